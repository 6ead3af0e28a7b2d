// Test fixtures for training: a small slice of tiny Shakespeare as a dataset version, a tiny
// model, and a graphql-ws subscription that collects every message.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { SAMPLES_DIR } from '../../paths.ts';
import type { TestServer, TestUser } from '../../../test/test-server.ts';

/** A tiny GPT for tests: 2 layers, width 32, context 32. */
export const TINY_ARCHITECTURE = { vocabSize: 320, contextLength: 32, layers: 2, heads: 2, embeddingWidth: 32, dropout: 0, bias: true };

/** Fast, reproducible hyperparameters for tests. */
export const TINY_CONFIG = { batchSize: 4, learningRate: 3e-3, warmupSteps: 2, seed: 7, threads: 1, device: 'cpu' };

export async function createShakespeareVersion(t: TestServer, user: TestUser, bytes = 24_000, name = 'shakespeare-slice'): Promise<string> {
  const text = readFileSync(join(SAMPLES_DIR, 'tinyshakespeare.txt'), 'utf8').slice(0, bytes);
  const response = await fetch(`${t.httpUrl}/api/uploads?filename=shakespeare.txt`, { method: 'POST', body: text, headers: { authorization: `Bearer ${user.token}` } });
  if (response.status !== 201) throw new Error(`upload failed: ${response.status} ${await response.text()}`);
  const upload = (await response.json()) as { id: string };
  const created = await t.graphqlAs<{ createDataset: { versions: Array<{ id: string; trainTokens: number; validationTokens: number }> } }>(
    user.token,
    'mutation($input: CreateDatasetInput!) { createDataset(input: $input) { versions { id trainTokens validationTokens } } }',
    { input: { uploadId: upload.id, name, format: 'TEXT', vocabSize: 300 } },
  );
  if (!created.data) throw new Error(`createDataset failed: ${JSON.stringify(created.errors)}`);
  return created.data.createDataset.versions[0]!.id;
}

export async function createTinyModel(t: TestServer, user: TestUser, name = 'tiny-test'): Promise<string> {
  const created = await t.graphqlAs<{ createModel: { id: string } }>(user.token, 'mutation($input: CreateModelInput!) { createModel(input: $input) { id } }', { input: { name, architecture: TINY_ARCHITECTURE } });
  if (!created.data) throw new Error(`createModel failed: ${JSON.stringify(created.errors)}`);
  return created.data.createModel.id;
}

export const RUN_FIELDS = 'id status stage progress step maxSteps lastLoss bestValLoss failureReason stopReason lastCheckpoint bestCheckpoint attempts resultVersion { id checkpointPath runId datasetVersionId parentVersionId }';

export interface RunView {
  id: string;
  status: string;
  stage: string;
  progress: string;
  step: number;
  maxSteps: number;
  lastLoss: number | null;
  bestValLoss: number | null;
  failureReason: string | null;
  stopReason: string | null;
  lastCheckpoint: string | null;
  bestCheckpoint: string | null;
  attempts: number;
  resultVersion: { id: string; checkpointPath: string | null; runId: string; datasetVersionId: string; parentVersionId: string | null } | null;
}

export async function startRun(t: TestServer, user: TestUser, input: Record<string, unknown>): Promise<RunView> {
  const result = await t.graphqlAs<{ startTrainingRun: RunView }>(user.token, `mutation($input: StartTrainingRunInput!) { startTrainingRun(input: $input) { ${RUN_FIELDS} } }`, { input });
  if (!result.data) throw new Error(`startTrainingRun failed: ${JSON.stringify(result.errors)}`);
  return result.data.startTrainingRun;
}

export async function getRun(t: TestServer, user: TestUser, id: string): Promise<RunView> {
  const result = await t.graphqlAs<{ trainingRun: RunView }>(user.token, `query($id: ID!) { trainingRun(id: $id) { ${RUN_FIELDS} } }`, { id });
  if (!result.data) throw new Error(`trainingRun failed: ${JSON.stringify(result.errors)}`);
  return result.data.trainingRun;
}

/** Polls until the run satisfies `done` (or times out). */
export async function waitForRun(t: TestServer, user: TestUser, id: string, done: (run: RunView) => boolean, timeoutMs = 60_000): Promise<RunView> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const run = await getRun(t, user, id);
    if (done(run)) return run;
    if (Date.now() > until) throw new Error(`run ${id} did not reach the expected state: ${JSON.stringify(run)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export const isFinished = (run: RunView): boolean => ['COMPLETED', 'FAILED', 'CANCELLED'].includes(run.status);

/** A subscription that keeps every message until disposed. */
export interface Collector<T> {
  messages: T[];
  errors: unknown[];
  /** Resolves once the server acknowledged the subscription (the first message or a short delay). */
  dispose(): Promise<void>;
  /** Waits until a message satisfies `until`. */
  waitFor(until: (message: T) => boolean, timeoutMs?: number): Promise<T>;
}

export function subscribe<T>(url: string, token: string, query: string, variables: Record<string, unknown>): Promise<Collector<T>> {
  const messages: T[] = [];
  const errors: unknown[] = [];
  const waiters: Array<() => void> = [];
  return new Promise((resolve, reject) => {
    const client: Client = createClient({
      url,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      lazy: false,
      connectionParams: { authorization: `Bearer ${token}` },
      on: {
        // Subscribed once connected; the operation is sent right after.
        connected: () => setTimeout(() => resolve(collector), 150),
      },
      onNonLazyError: reject,
    });
    client.subscribe<T>(
      { query, variables },
      {
        next: (value) => {
          if (value.errors) errors.push(value.errors);
          if (value.data) messages.push(value.data as T);
          for (const wake of waiters.splice(0)) wake();
        },
        error: (error) => errors.push(error),
        complete: () => undefined,
      },
    );
    const collector: Collector<T> = {
      messages,
      errors,
      dispose: () => client.dispose() as Promise<void>,
      async waitFor(until, timeoutMs = 60_000) {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          const found = messages.find(until);
          if (found) return found;
          if (errors.length) throw new Error(`subscription failed: ${JSON.stringify(errors)}`);
          if (Date.now() > deadline) throw new Error(`no matching message in ${messages.length} messages`);
          await new Promise<void>((r) => {
            waiters.push(r);
            setTimeout(r, 200);
          });
        }
      },
    };
  });
}

/** Marker words of the generated classification set: a text's label is the marker it holds. */
export const MARKERS: Readonly<Record<string, string>> = { sports: 'goal', weather: 'rain', music: 'guitar' };
const FILLER = ['the', 'a', 'day', 'we', 'saw', 'some', 'people', 'near', 'old', 'town', 'and', 'then', 'it', 'was', 'very', 'long', 'after', 'lunch', 'with', 'friends'];

/**
 * A separable labelled CSV (text,label): filler words with one marker word at a random place;
 * the marker decides the label. Seeded, so every call gives the same file.
 */
export function markerCsv(rows: number, seed = 1): string {
  let state = seed >>> 0 || 1;
  const random = (): number => {
    // xorshift32: deterministic and good enough to shuffle words
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
  const labels = Object.keys(MARKERS);
  const lines = ['text,label'];
  for (let i = 0; i < rows; i++) {
    const label = labels[i % labels.length]!;
    const words = Array.from({ length: 4 + Math.floor(random() * 6) }, () => FILLER[Math.floor(random() * FILLER.length)]!);
    words.splice(Math.floor(random() * (words.length + 1)), 0, MARKERS[label]!);
    lines.push(`${words.join(' ')},${label}`);
  }
  return lines.join('\n') + '\n';
}

/** A dataset version of markerCsv(rows) with its label column; returns its id. */
export async function createMarkerVersion(t: TestServer, user: TestUser, rows = 300, name = 'markers'): Promise<string> {
  const response = await fetch(`${t.httpUrl}/api/uploads?filename=markers.csv`, { method: 'POST', body: markerCsv(rows), headers: { authorization: `Bearer ${user.token}` } });
  if (response.status !== 201) throw new Error(`upload failed: ${response.status} ${await response.text()}`);
  const upload = (await response.json()) as { id: string };
  const created = await t.graphqlAs<{ createDataset: { versions: Array<{ id: string }> } }>(user.token, 'mutation($input: CreateDatasetInput!) { createDataset(input: $input) { versions { id } } }', {
    input: { uploadId: upload.id, name, format: 'CSV', textFields: ['text'], labelField: 'label', vocabSize: 300 },
  });
  if (!created.data) throw new Error(`createDataset failed: ${JSON.stringify(created.errors)}`);
  return created.data.createDataset.versions[0]!.id;
}

/** A tiny CLASSIFICATION model with these labels; returns its id. */
export async function createTinyClassifier(t: TestServer, user: TestUser, labels: string[], name = 'tiny-classifier'): Promise<string> {
  const created = await t.graphqlAs<{ createModel: { id: string } }>(user.token, 'mutation($input: CreateModelInput!) { createModel(input: $input) { id } }', { input: { name, architecture: TINY_ARCHITECTURE, task: 'CLASSIFICATION', labels } });
  if (!created.data) throw new Error(`createModel failed: ${JSON.stringify(created.errors)}`);
  return created.data.createModel.id;
}

// Subscriptions for many listeners of one topic: graphql-js executes the selection set once per
// event per subscriber. Subscribers that are the same caller with the same operation get the
// same result, so it is computed once per published payload and shared (results depend only on
// the payload, the operation and who asks: access rules read the principal).
import { createSourceEventStream, execute, type ExecutionArgs, type ExecutionResult, print } from 'graphql';
import type { GraphQLContext } from './context.ts';
import { createLoaders } from './loaders.ts';

type Result = ExecutionResult | Promise<ExecutionResult>;

/** Per published payload object: results by (caller, operation). Collected with the payload. */
const shared = new WeakMap<object, Map<string, Result>>();

function callerKey(context: unknown): string {
  const principal = (context as GraphQLContext | undefined)?.principal;
  if (!principal || principal.kind === 'anonymous') return 'anonymous';
  return `${principal.kind}:${principal.user.id}:${principal.user.role}:${principal.kind === 'apiKey' ? principal.apiKeyId : principal.sessionId}`;
}

/** graphql-ws's `subscribe`: graphql-js subscribe semantics, with results shared as above. */
export async function sharedSubscribe(args: ExecutionArgs): Promise<AsyncGenerator<ExecutionResult> | ExecutionResult> {
  const source = await createSourceEventStream(args);
  if (!(Symbol.asyncIterator in source)) return source;
  const key = `${callerKey(args.contextValue)}\n${args.operationName ?? ''}\n${JSON.stringify(args.variableValues ?? {})}\n${print(args.document)}`;
  const iterator = source[Symbol.asyncIterator]();
  // Each event gets fresh DataLoaders: a loader caches for its lifetime, and a subscription lives
  // long, so reusing the first event's loaders would serve later events stale relations.
  const context = args.contextValue as GraphQLContext | undefined;
  const contextFor = (): unknown => (context?.services ? { ...context, loaders: createLoaders(context.services.dataSource) } : args.contextValue);
  const run = (payload: unknown): Result => execute({ ...args, rootValue: payload, contextValue: contextFor() });
  const mapped: AsyncGenerator<ExecutionResult> = {
    async next() {
      const step = await iterator.next();
      if (step.done) return { done: true, value: undefined };
      const payload: unknown = step.value;
      if (typeof payload !== 'object' || payload === null) return { done: false, value: await run(payload) };
      let results = shared.get(payload);
      if (!results) shared.set(payload, (results = new Map()));
      let result = results.get(key);
      if (!result) results.set(key, (result = run(payload)));
      return { done: false, value: await result };
    },
    async return() {
      await iterator.return?.();
      return { done: true, value: undefined };
    },
    async throw(error: unknown) {
      await iterator.return?.();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return mapped;
    },
  };
  return mapped;
}

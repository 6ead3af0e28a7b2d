// `egen models create`, `list`, `tag`, `untag` and `compare`.
import { ApiError, apiRequest } from '../cli/api-client.ts';
import { type CliCommand, type CliIo, CliUsageError, printTable } from '../cli/command.ts';
import { intFlag, numberFlag, parseFlags } from '../cli/flags.ts';

/** Input paths of the API → the flags a CLI user typed. */
const FLAG_OF_FIELD: Record<string, string> = {
  'input.name': 'NAME',
  'input.preset': '--preset',
  'input.tokenizerId': '--tokenizer',
  'input.architecture.vocabSize': '--vocab-size',
  'input.architecture.contextLength': '--context-length',
  'input.architecture.layers': '--layers',
  'input.architecture.heads': '--heads',
  'input.architecture.embeddingWidth': '--width',
  'input.architecture.dropout': '--dropout',
  'input.labels': '--labels',
  tag: 'TAG',
  a: 'A',
  b: 'B',
};

function printApiError(io: CliIo, command: string, error: ApiError): number {
  const fieldErrors = error.errors[0]?.extensions?.fieldErrors;
  if (fieldErrors?.length) {
    io.err(`egen ${command}: invalid input`);
    // a label's own error (input.labels.2) names --labels and its position
    for (const e of fieldErrors) io.err(`  ${FLAG_OF_FIELD[e.field] ?? e.field.replace(/^input\.labels\.(\d+)$/, (_, i: string) => `--labels #${Number(i) + 1}`)}: ${e.message}`);
  } else {
    io.err(`egen ${command}: ${error.message}${error.code ? ` (${error.code})` : ''}`);
  }
  return 1;
}

interface ModelRow {
  id: string;
  name: string;
  preset: string | null;
  task: 'CAUSAL_LM' | 'CLASSIFICATION';
  labels: string[] | null;
  createdAt: string;
  owner: { email: string } | null;
  architecture: { layers: number; heads: number; embeddingWidth: number; contextLength: number; vocabSize: number; parameterCount: number };
  latestVersion: { version: number } | null;
}

const MODEL_FIELDS = 'id name preset task labels createdAt owner { email } architecture { layers heads embeddingWidth contextLength vocabSize parameterCount } latestVersion { version }';

const formatParams = (n: number): string => (n >= 1e9 ? `${(n / 1e9).toFixed(2)}B` : n >= 1e6 ? `${(n / 1e6).toFixed(1)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}K` : String(n));

export const modelsCreateCommand: CliCommand = {
  path: ['models', 'create'],
  summary: 'Create a model from a preset (tiny, small, gpt2-124M) or a custom architecture',
  usage: [
    'egen models create NAME [--preset tiny|small|gpt2-124M] [--vocab-size N] [--context-length N]',
    '                        [--layers N] [--heads N] [--width N] [--dropout P] [--no-bias]',
    '                        [--tokenizer ID] [--description TEXT] [--special-tokens A,B,...] [--labels A,B,...] [--url URL] [--json]',
    '',
    'Architecture flags override the preset; without a preset give them all.',
    '--labels makes a CLASSIFICATION model with these labels (2 to 1000, in the order of its outputs).',
  ].join('\n'),
  async run(args, io) {
    const flags = parseFlags(args, ['--preset', '--vocab-size', '--context-length', '--layers', '--heads', '--width', '--dropout', '--tokenizer', '--description', '--special-tokens', '--labels', '--url'], ['--no-bias', '--json']);
    const [name, ...extra] = flags.positionals;
    if (!name) throw new CliUsageError('give the model a NAME');
    if (extra.length) throw new CliUsageError(`unexpected argument ${extra[0]}`);
    const architecture = {
      vocabSize: intFlag(flags, '--vocab-size'),
      contextLength: intFlag(flags, '--context-length'),
      layers: intFlag(flags, '--layers'),
      heads: intFlag(flags, '--heads'),
      embeddingWidth: intFlag(flags, '--width'),
      dropout: numberFlag(flags, '--dropout'),
      bias: flags.booleans.has('--no-bias') ? false : undefined,
    };
    const input = {
      name,
      preset: flags.values.get('--preset'),
      description: flags.values.get('--description'),
      tokenizerId: flags.values.get('--tokenizer'),
      specialTokens: flags.values
        .get('--special-tokens')
        ?.split(',')
        .map((s) => s.trim()),
      architecture: Object.values(architecture).some((v) => v !== undefined) ? architecture : undefined,
      ...(flags.values.has('--labels') ? { task: 'CLASSIFICATION', labels: flags.values.get('--labels')!.split(',') } : {}),
    };
    try {
      const data = await apiRequest<{ createModel: ModelRow }>(io.env, flags.values.get('--url'), `mutation($input: CreateModelInput!) { createModel(input: $input) { ${MODEL_FIELDS} } }`, { input });
      const m = data.createModel;
      if (flags.booleans.has('--json')) io.out(JSON.stringify(m, null, 2));
      else
        io.out(
          `Created ${m.labels ? `classifier (${m.labels.length} labels: ${m.labels.join(', ')}) ` : 'model '}${m.name} (${m.id}): ${m.architecture.layers} layers, ${m.architecture.heads} heads, width ${m.architecture.embeddingWidth}, context ${m.architecture.contextLength}, vocab ${m.architecture.vocabSize}, ${formatParams(m.architecture.parameterCount)} parameters`,
        );
      return 0;
    } catch (error) {
      if (error instanceof ApiError) return printApiError(io, 'models create', error);
      throw error;
    }
  },
};

export const modelsListCommand: CliCommand = {
  path: ['models', 'list'],
  summary: 'List models (newest first)',
  usage: 'egen models list [--name TEXT] [--sort created|name|updated] [--limit N] [--url URL] [--json]',
  async run(args, io) {
    const flags = parseFlags(args, ['--name', '--sort', '--limit', '--url'], ['--json']);
    if (flags.positionals.length) throw new CliUsageError(`unexpected argument ${flags.positionals[0]}`);
    const sort = flags.values.get('--sort') ?? 'created';
    const field = { created: 'CREATED_AT', name: 'NAME', updated: 'UPDATED_AT' }[sort];
    if (!field) throw new CliUsageError('--sort must be created, name or updated');
    const limit = intFlag(flags, '--limit') ?? 50;
    try {
      const data = await apiRequest<{ models: { totalCount: number; nodes: ModelRow[] } }>(
        io.env,
        flags.values.get('--url'),
        `query($filter: ModelFilter, $orderBy: ModelOrder, $first: Int) { models(filter: $filter, orderBy: $orderBy, first: $first) { totalCount nodes { ${MODEL_FIELDS} } } }`,
        { filter: flags.values.has('--name') ? { nameContains: flags.values.get('--name') } : null, orderBy: { field, direction: field === 'NAME' ? 'ASC' : 'DESC' }, first: limit },
      );
      const { nodes, totalCount } = data.models;
      if (flags.booleans.has('--json')) {
        io.out(JSON.stringify(nodes, null, 2));
        return 0;
      }
      if (!nodes.length) {
        io.out('No models yet. Create one with: egen models create NAME --preset tiny');
        return 0;
      }
      const rows = nodes.map((m) => [
        m.name,
        m.preset ?? 'custom',
        formatParams(m.architecture.parameterCount),
        `${m.architecture.layers}/${m.architecture.heads}/${m.architecture.embeddingWidth}`,
        m.latestVersion ? `v${m.latestVersion.version}` : '-',
        m.owner?.email ?? '?',
        m.id,
      ]);
      printTable(io, ['NAME', 'PRESET', 'PARAMS', 'L/H/W', 'LATEST', 'OWNER', 'ID'], rows);
      if (totalCount > nodes.length) io.out(`(${nodes.length} of ${totalCount}; --limit N shows more)`);
      return 0;
    } catch (error) {
      if (error instanceof ApiError) return printApiError(io, 'models list', error);
      throw error;
    }
  },
};

function tagCommand(verb: 'tag' | 'untag'): CliCommand {
  const mutation = verb === 'tag' ? 'tagModelVersion' : 'untagModelVersion';
  return {
    path: ['models', verb],
    summary: verb === 'tag' ? 'Tag a model version (production, staging or a free tag); the tag moves off any other version of the model' : 'Take a tag off a model version',
    usage: `egen models ${verb} VERSION_ID TAG [--url URL] [--json]\n\nTags are 1 to 40 characters of a-z, 0-9, ".", "_" and "-".`,
    async run(args, io) {
      const flags = parseFlags(args, ['--url'], ['--json']);
      const [versionId, tag, ...extra] = flags.positionals;
      if (!versionId || tag === undefined) throw new CliUsageError('give a VERSION_ID and a TAG');
      if (extra.length) throw new CliUsageError(`unexpected argument ${extra[0]}`);
      try {
        const data = await apiRequest<Record<string, { id: string; version: number; model: { name: string } | null; tags: Array<{ tag: string }> }>>(
          io.env,
          flags.values.get('--url'),
          `mutation($v: ID!, $tag: String!) { ${mutation}(versionId: $v, tag: $tag) { id version model { name } tags { tag } } }`,
          { v: versionId, tag },
        );
        const v = data[mutation]!;
        if (flags.booleans.has('--json')) io.out(JSON.stringify(v, null, 2));
        else io.out(`${verb === 'tag' ? 'Tagged' : 'Untagged'} ${v.model?.name ?? '?'} v${v.version} ${verb === 'tag' ? 'with' : 'from'} ${tag}; its tags: ${v.tags.map((t) => t.tag).join(', ') || '(none)'}`);
        return 0;
      } catch (error) {
        if (error instanceof ApiError) return printApiError(io, `models ${verb}`, error);
        throw error;
      }
    },
  };
}

export const modelsTagCommand = tagCommand('tag');
export const modelsUntagCommand = tagCommand('untag');

interface ComparedMetric {
  value: number | null;
  error: string | null;
  datasetVersionId: string;
}
interface Comparison {
  a: { version: { id: string; version: number }; modelName: string };
  b: { version: { id: string; version: number }; modelName: string };
  differences: Array<{ key: string; a: string | null; b: string | null }>;
  metrics: Array<{ name: string; a: ComparedMetric | null; b: ComparedMetric | null }>;
}

const formatMetric = (m: ComparedMetric | null): string => (!m ? '-' : m.value === null ? `error: ${m.error ?? 'no value'}` : String(Number(m.value.toPrecision(6))));

export const modelsCompareCommand: CliCommand = {
  path: ['models', 'compare'],
  summary: 'Compare two model versions: the settings that differ and their latest evaluation metrics',
  usage: 'egen models compare VERSION_A VERSION_B [--url URL] [--json]',
  async run(args, io) {
    const flags = parseFlags(args, ['--url'], ['--json']);
    const [a, b, ...extra] = flags.positionals;
    if (!a || !b) throw new CliUsageError('give two version ids, A and B');
    if (extra.length) throw new CliUsageError(`unexpected argument ${extra[0]}`);
    try {
      const data = await apiRequest<{ compareModelVersions: Comparison }>(
        io.env,
        flags.values.get('--url'),
        `query($a: ID!, $b: ID!) { compareModelVersions(a: $a, b: $b) {
          a { version { id version } modelName } b { version { id version } modelName }
          differences { key a b } metrics { name a { value error datasetVersionId } b { value error datasetVersionId } } } }`,
        { a, b },
      );
      const c = data.compareModelVersions;
      if (flags.booleans.has('--json')) {
        io.out(JSON.stringify(c, null, 2));
        return 0;
      }
      const label = (side: Comparison['a']): string => `${side.modelName} v${side.version.version}`;
      io.out(`A: ${label(c.a)} (${c.a.version.id})`);
      io.out(`B: ${label(c.b)} (${c.b.version.id})`);
      io.out('');
      if (c.differences.length)
        printTable(
          io,
          ['SETTING', 'A', 'B'],
          c.differences.map((d) => [d.key, d.a ?? '-', d.b ?? '-']),
        );
      else io.out('Same architecture and training settings.');
      io.out('');
      if (c.metrics.length) {
        printTable(
          io,
          ['METRIC', 'A', 'B'],
          c.metrics.map((m) => [m.name, formatMetric(m.a), formatMetric(m.b)]),
        );
        const datasets = new Set(c.metrics.flatMap((m) => [m.a?.datasetVersionId, m.b?.datasetVersionId]).filter(Boolean));
        if (datasets.size > 1) io.out(`(metrics come from ${datasets.size} dataset versions; --json shows which)`);
      } else io.out('No evaluation results for either version.');
      return 0;
    } catch (error) {
      if (error instanceof ApiError) return printApiError(io, 'models compare', error);
      throw error;
    }
  },
};

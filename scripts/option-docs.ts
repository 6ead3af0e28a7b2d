// docs/options.md, generated from the option declarations in schema/options (`npm run docs:options`).
// A test fails when the checked-in page differs from what the declarations produce.
import { EXPORT_OPTIONS } from '../schema/options/export-options.ts';
import { FORMAT_WRITERS } from '../server/src/models/export/format-writers.ts';
import { MODEL_OPTIONS } from '../schema/options/model-options.ts';
import { describeDefault, describeRange, inputName, keysOn, nativeName, type OptionSpec, type OptionTable } from '../schema/options/option-spec.ts';
import { EARLY_STOPPING_OPTIONS, LORA_OPTIONS, TRAINING_OPTIONS } from '../schema/options/training-options.ts';

function allowed(spec: OptionSpec): string {
  switch (spec.kind) {
    case 'int':
    case 'float':
      return `${describeRange(spec)}${spec.unit ? ` (${spec.unit})` : ''}`;
    case 'bool':
      return 'true or false';
    case 'enum':
      return spec.values.map((v) => `\`${spec.graphqlEnum ? v.toUpperCase() : v}\``).join(', ');
    case 'string':
      return spec.expects;
    case 'list':
      return `a list of ${spec.values.map((v) => `\`${v}\``).join(', ')}`;
  }
}

const escape = (text: string): string => text.replace(/\|/g, '\\|');

function table(options: OptionTable, surface: 'api' | 'native'): string {
  const rows = keysOn(options, surface)
    .filter((key) => surface === 'api' || options[key]!.surface === 'native')
    .map((key) => {
      const spec = options[key]!;
      const name = surface === 'api' ? inputName(key, spec) : nativeName(key, spec);
      const door = surface === 'api' && spec.surface === 'both' && nativeName(key, spec) !== name ? ` (native \`${nativeName(key, spec)}\`)` : '';
      return `| \`${name}\`${door} | ${escape(allowed(spec))} | ${escape(describeDefault(spec, surface))} | ${escape(spec.description)} |`;
    });
  return ['| option | allowed | default | what it does |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

export function optionDocs(): string {
  return `<!-- Generated from schema/options by \`npm run docs:options\`; edit the declarations, not this page. -->
# Options

Every option is declared once, in \`schema/options/\` (type, default, range, unit, words). The
GraphQL inputs and their validation, the stored training config, the web client's forms and the
checks at the native door derive from those declarations, and a test compares the C++ defaults
with them. This page is generated from them too.

## Training (\`TrainingConfigInput\`, \`egen train --config\`)

${table(TRAINING_OPTIONS, 'api')}

### LoRA (\`lora\`)

${table(LORA_OPTIONS, 'api')}

### Early stopping (\`earlyStopping\`)

${table(EARLY_STOPPING_OPTIONS, 'api')}

### Native-only training options (\`train()\` in \`native/\`)

The API sets these from the options above (\`kernels\` → \`deterministic\`, \`gradNormAction: skip\` →
\`skipGradNormAbove\`) or leaves them at their defaults.

${table(TRAINING_OPTIONS, 'native')}

## Model architecture (\`ModelArchitectureInput\`)

A preset (\`tiny\`, \`small\`, \`gpt2-124M\`) fills the required fields; any field given overrides it.

${table(MODEL_OPTIONS, 'api')}

## Export (\`ExportOptionsInput\`, \`egen export\`)

Each format reads only the options its writer names (${Object.values(FORMAT_WRITERS)
    .map((writer) => `\`${writer.format}\`: ${writer.options.map((key) => `\`${key}\``).join(', ')}`)
    .join('; ')}); the others are not stored with the artifact.

${table(EXPORT_OPTIONS, 'api')}
`;
}

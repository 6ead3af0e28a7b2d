// The training options are declared once (schema/options/training-options.ts); the GraphQL input,
// the server's validation and the client form are derived from that declaration. These tests hold
// the derivations to it: the same bounds are accepted and refused everywhere.
import { buildSchema, type GraphQLInputObjectType } from 'graphql';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FIELDS, validateField } from '../../../client/src/training/config.ts';
import { describeDefault, inputName, keysOn, type NumberSpec, type OptionSpec } from '../../../schema/options/option-spec.ts';
import { LORA_OPTIONS, TRAINING_OPTIONS } from '../../../schema/options/training-options.ts';
import { SCHEMA_FILE } from '../paths.ts';
import { validateTrainingConfig } from './training.config.ts';

const context = { trainTokens: 100_000, validationTokens: 1000, contextLength: 64, hasBase: true };
const numberOptions = keysOn(TRAINING_OPTIONS, 'api').filter((key) => TRAINING_OPTIONS[key].kind === 'int' || TRAINING_OPTIONS[key].kind === 'float');

/** Values at and just beyond each bound of a numeric option, with whether the declaration allows them. */
function probes(spec: NumberSpec): Array<[number, boolean]> {
  const step = spec.kind === 'int' ? 1 : Math.max(1e-9, Math.abs(spec.min) * 1e-6);
  const out: Array<[number, boolean]> = [
    [spec.min, !spec.exclusiveMin],
    [spec.min - step, false],
  ];
  if (spec.max !== Infinity) out.push([spec.max, !spec.exclusiveMax], [spec.max + (spec.kind === 'int' ? 1 : spec.max * 1e-6 || 1e-9), false]);
  return out;
}

describe('training options, declared once', () => {
  it('the server and the client form accept and refuse the same values at every bound', () => {
    for (const key of numberOptions) {
      const spec = TRAINING_OPTIONS[key] as NumberSpec;
      const name = inputName(key, spec);
      const field = FIELDS.find((f) => f.key === name);
      expect(field, `form field for ${name}`).toBeDefined();
      for (const [value, allowed] of probes(spec)) {
        // Only the option probed (epochs and steps exclude each other), with a learning rate that
        // leaves the minimum's whole range open.
        const { errors } = validateTrainingConfig({ [name]: value, ...(name === 'minLearningRate' ? { learningRate: TRAINING_OPTIONS.learningRate.max } : {}) }, context);
        const serverRefused = errors.some((e) => e.field === `input.config.${name}`);
        const clientRefused = validateField(field!, String(value)) !== null;
        expect({ name, value, serverRefused, clientRefused }).toEqual({ name, value, serverRefused: !allowed, clientRefused: !allowed });
      }
    }
  });

  it('lists the LoRA targets and refuses others with the declared list', () => {
    const { errors } = validateTrainingConfig({ lora: { targets: ['attn.c_attn', 'mlp.up'] as never[] } }, context);
    expect(errors).toEqual([{ field: 'input.config.lora.targets[1]', message: `must be one of ${LORA_OPTIONS.targets.values.join(', ')} (got "mlp.up")` }]);
    expect(
      validateField(
        FIELDS.find((f) => f.key === 'lora.targets')!,
        'attn.c_attn, mlp.up',
      ),
    ).toBe('Unknown target: mlp.up.');
  });

  it('fills every default as declared', () => {
    const { config, errors } = validateTrainingConfig({}, context);
    expect(errors).toEqual([]);
    for (const key of keysOn(TRAINING_OPTIONS, 'api')) {
      const spec: OptionSpec = TRAINING_OPTIONS[key];
      if (spec.derivedDefault || spec.apiDefault) continue;
      expect([key, config[key as keyof typeof config]]).toEqual([key, spec.default]);
    }
    expect(config.minLearningRate).toBe(config.learningRate / 10);
    expect(config.warmupSteps).toBe(Math.min(100, config.maxSteps));
    expect(config.checkpointEvery).toBe(Math.max(1, Math.floor(config.maxSteps / 10)));
  });

  it('the checked-in GraphQL schema has a field for every API option, documented with its default', () => {
    const schema = buildSchema(readFileSync(SCHEMA_FILE, 'utf8'));
    const input = schema.getType('TrainingConfigInput') as GraphQLInputObjectType;
    const fields = input.getFields();
    for (const key of keysOn(TRAINING_OPTIONS, 'api')) {
      const spec = TRAINING_OPTIONS[key];
      const field = fields[inputName(key, spec)];
      expect(field, `TrainingConfigInput.${inputName(key, spec)}`).toBeDefined();
      expect(field!.description).toContain(`Defaults to ${describeDefault(spec)}.`);
    }
    // Options the API does not expose are not there.
    for (const key of keysOn(TRAINING_OPTIONS, 'native').filter((k) => TRAINING_OPTIONS[k].surface === 'native')) expect(fields[key]).toBeUndefined();
  });
});

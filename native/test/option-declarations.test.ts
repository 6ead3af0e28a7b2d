// The C++ option structs (TrainConfig, GPTConfig, LoraConfig) keep their own defaults for keys
// left out; they must be the defaults declared in schema/options, which every other layer uses.
import { describe, expect, it } from 'vitest';
import { MODEL_OPTIONS } from '../../schema/options/model-options.ts';
import { keysOn, nativeName, type OptionSpec, type OptionTable } from '../../schema/options/option-spec.ts';
import { LORA_OPTIONS, TRAINING_OPTIONS } from '../../schema/options/training-options.ts';
import { optionDefaults } from '../index.ts';

/** What C++ holds for an option declared without a default value ("unset"). */
const CPP_UNSET: Readonly<Record<string, unknown>> = { threads: 0, peakFlops: 0 };

/** Every native option of a table with a fixed declared default, against the C++ default. */
function compare(table: OptionTable, cpp: Readonly<Record<string, unknown>>): Array<{ option: string; declared: unknown; cpp: unknown }> {
  const rows: Array<{ option: string; declared: unknown; cpp: unknown }> = [];
  for (const key of keysOn(table, 'native')) {
    const spec: OptionSpec = table[key]!;
    const name = nativeName(key, spec);
    // Derived defaults are computed at the door and always sent; required ones have none.
    if (spec.derivedDefault) continue;
    const declared = spec.default === null ? CPP_UNSET[name] : spec.default;
    if (declared === undefined) continue;
    rows.push({ option: name, declared, cpp: cpp[name] });
  }
  return rows;
}

describe('option declarations and the C++ defaults', () => {
  const defaults = optionDefaults();

  it('every declared training default is the C++ TrainConfig default', () => {
    const rows = compare(TRAINING_OPTIONS, defaults.training);
    expect(rows.length).toBeGreaterThan(20);
    for (const row of rows) expect(row, row.option).toEqual({ ...row, cpp: row.declared });
  });

  it('every declared LoRA and model default is the C++ default', () => {
    for (const row of [...compare(LORA_OPTIONS, defaults.lora), ...compare(MODEL_OPTIONS, defaults.model)]) expect(row, row.option).toEqual({ ...row, cpp: row.declared });
  });

  it('C++ knows no training option the declarations do not (besides what a run works on)', () => {
    const declared = new Set(keysOn(TRAINING_OPTIONS, 'native').map((key) => nativeName(key, TRAINING_OPTIONS[key])));
    const runInputs = ['model', 'initFrom', 'resumeFrom', 'lora', 'trainShards', 'validationShards', 'checkpointDir', 'stepHook'];
    expect(Object.keys(defaults.training).filter((name) => !declared.has(name) && !runInputs.includes(name))).toEqual([]);
  });
});

// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { configToForm, formatConfig, formToConfig, initialForm, parseConfigText, parseYaml, toYaml, validateForm } from './config.ts';
import { TrainingForm } from './TrainingForm.tsx';

const editor = (): HTMLTextAreaElement => screen.getByLabelText(/^Config \((YAML|JSON)\)/) as HTMLTextAreaElement;
const input = (label: string): HTMLInputElement => screen.getByLabelText(label) as HTMLInputElement;

describe('training config', () => {
  it('starts from sensible defaults that validate', () => {
    const form = initialForm();
    expect(validateForm(form)).toEqual({});
    expect(formToConfig(form)).toMatchObject({ steps: 200, learningRate: 0.0006, batchSize: 12, lrSchedule: 'COSINE', device: 'auto' });
  });

  it('round-trips through YAML and JSON, nested groups included', () => {
    const form = initialForm();
    form.lora = true;
    form.values['lora.targets'] = 'attn.c_attn, mlp.c_fc';
    const config = formToConfig(form);
    expect(parseYaml(toYaml(config))).toEqual(config);
    for (const format of ['yaml', 'json'] as const) {
      const parsed = parseConfigText(formatConfig(config, format), format);
      expect('form' in parsed && formToConfig(parsed.form)).toEqual(config);
    }
  });

  it('refuses unknown settings and wrong types', () => {
    expect(configToForm({ stepz: 3 })).toEqual({ error: 'Unknown setting "stepz".' });
    expect(configToForm({ steps: 'many' })).toEqual({ error: '"steps" has the wrong type.' });
    expect(parseConfigText('{ "steps": ', 'json')).toMatchObject({ error: expect.stringMatching(/^Not valid JSON/) });
  });
});

describe('TrainingForm', () => {
  afterEach(cleanup);

  it('checks fields inline and refuses to launch while one is wrong', () => {
    const onSubmit = vi.fn();
    render(<TrainingForm onSubmit={onSubmit} />);
    fireEvent.change(input('Learning rate'), { target: { value: '-1' } });
    fireEvent.blur(input('Learning rate'));
    expect(input('Learning rate').getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByText('Learning rate must be above 0.')).toBeTruthy();
    fireEvent.change(input('Batch size'), { target: { value: '2.5' } });
    fireEvent.change(input('Epochs'), { target: { value: '1' } });
    fireEvent.click(screen.getByRole('button', { name: 'Launch run' }));
    expect(onSubmit).not.toHaveBeenCalled();
    expect(screen.getByText('Batch size must be a whole number.')).toBeTruthy();
    expect(screen.getByText('Give steps or epochs, not both.')).toBeTruthy();
    expect(screen.getByRole('alert').textContent).toMatch(/Fix 3 fields first/);
    // Fixing them lets it launch with the config shown.
    fireEvent.change(input('Learning rate'), { target: { value: '0.003' } });
    fireEvent.change(input('Batch size'), { target: { value: '4' } });
    fireEvent.change(input('Epochs'), { target: { value: '' } });
    fireEvent.click(screen.getByRole('button', { name: 'Launch run' }));
    expect(onSubmit).toHaveBeenCalledWith(expect.objectContaining({ learningRate: 0.003, batchSize: 4, steps: 200 }));
    expect(onSubmit.mock.calls[0]![0]).not.toHaveProperty('epochs');
  });

  it('keeps the form and the config text in step, both ways', () => {
    render(<TrainingForm onSubmit={vi.fn()} />);
    // Form -> YAML.
    fireEvent.change(input('Steps'), { target: { value: '30' } });
    expect(editor().value).toMatch(/^steps: 30$/m);
    fireEvent.click(screen.getByLabelText('Stop early when validation stops improving'));
    expect(editor().value).toMatch(/^earlyStopping:\n {2}patience: 3\n {2}minDelta: 0$/m);
    // YAML -> form.
    fireEvent.change(editor(), { target: { value: editor().value.replace('steps: 30', 'steps: 45').replace('patience: 3', 'patience: 5') } });
    expect(input('Steps').value).toBe('45');
    expect(input('Patience (validations)').value).toBe('5');
    // JSON -> form, and a bad text is reported without touching the form.
    fireEvent.click(screen.getByLabelText('JSON'));
    expect(JSON.parse(editor().value)).toMatchObject({ steps: 45, earlyStopping: { patience: 5 } });
    fireEvent.change(editor(), { target: { value: editor().value.replace('"steps": 45', '"steps": 60') } });
    expect(input('Steps').value).toBe('60');
    fireEvent.change(editor(), { target: { value: '{ "steps": ' } });
    expect(screen.getByRole('alert').textContent).toMatch(/Not valid JSON/);
    expect(editor().getAttribute('aria-invalid')).toBe('true');
    expect(input('Steps').value).toBe('60');
    // Editing the form again rewrites the text from it.
    fireEvent.change(input('Seed'), { target: { value: '7' } });
    expect(JSON.parse(editor().value)).toMatchObject({ steps: 60, seed: 7 });
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('blocks the launch until what to train is chosen, and shows the estimate of a valid config', () => {
    const onSubmit = vi.fn();
    render(<TrainingForm onSubmit={onSubmit} blocked="Choose a model to train." renderEstimate={(c) => <p>estimate: {c ? String(c.steps) : 'none'}</p>} />);
    expect(screen.getByText('estimate: 200')).toBeTruthy();
    expect((screen.getByRole('button', { name: 'Launch run' }) as HTMLButtonElement).disabled).toBe(true);
    fireEvent.change(input('Steps'), { target: { value: '0' } });
    expect(screen.getByText('estimate: none')).toBeTruthy();
  });
});

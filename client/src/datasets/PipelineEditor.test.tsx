// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';

const run = vi.fn(async (_variables: unknown) => ({ runDatasetPipeline: { id: 'v2', version: 2 } }));
vi.mock('../common/use-graphql.ts', () => ({
  useMutation: () => ({ run, error: null, busy: false, reset: () => undefined }),
  useQuery: () => ({ data: { pipelinePlugins: { plugins: [{ name: 'shout', description: 'upper-cases', file: 'shout.mjs' }], problems: [] } }, error: null, loading: false, reload: () => undefined }),
}));
const { PipelineEditor } = await import('./PipelineEditor.tsx');

describe('PipelineEditor', () => {
  afterEach(cleanup);

  it('adds, orders, configures and removes steps (a plugin too), then runs the pipeline', async () => {
    const onCreated = vi.fn();
    render(<PipelineEditor versionId="v1" versionNumber={1} onCreated={onCreated} />);
    const steps = (): string[] =>
      within(screen.getAllByRole('list')[0]!)
        .getAllByRole('listitem')
        .map((li) => li.querySelector('strong')!.textContent ?? '');
    expect(steps()).toEqual(['1. Unicode normalization', '2. Collapse white space']);
    fireEvent.change(screen.getByLabelText('Step to add'), { target: { value: 'lengthFilter' } });
    fireEvent.click(screen.getByRole('button', { name: 'Add step' }));
    fireEvent.change(screen.getByLabelText('Minimum characters (step 3)'), { target: { value: '20' } });
    fireEvent.click(screen.getByRole('button', { name: 'Move step 3 up' }));
    expect(steps()).toEqual(['1. Unicode normalization', '2. Length filter', '3. Collapse white space']);
    fireEvent.click(screen.getByRole('button', { name: 'Remove step 3' }));
    fireEvent.change(screen.getByLabelText('Step to add'), { target: { value: 'plugin' } });
    fireEvent.click(screen.getByRole('button', { name: 'Add step' }));
    fireEvent.change(screen.getByLabelText('Plugin (step 3)'), { target: { value: 'shout' } });
    fireEvent.change(screen.getByLabelText('Plugin options (JSON)'), { target: { value: '{"times": 2}' } });
    fireEvent.change(screen.getByLabelText('Form (step 1)'), { target: { value: 'NFKC' } });
    fireEvent.click(screen.getByRole('button', { name: 'Run pipeline' }));
    await waitFor(() => expect(onCreated).toHaveBeenCalledWith('v2', 2));
    expect(run).toHaveBeenCalledWith({
      input: {
        versionId: 'v1',
        pipeline: {
          steps: [
            { type: 'normalize', form: 'NFKC' },
            { type: 'lengthFilter', minChars: 20 },
            { type: 'plugin', name: 'shout', options: { times: 2 } },
          ],
        },
      },
    });
    expect(screen.getByText('Created version 2.')).toBeTruthy();
  });
});

// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfirmButton } from './ConfirmButton.tsx';

describe('ConfirmButton', () => {
  afterEach(cleanup);

  it('asks once more before a destructive action, and can be called off', () => {
    const onConfirm = vi.fn();
    render(<ConfirmButton label="Delete dataset" confirmLabel="Delete books and all its versions" onConfirm={onConfirm} />);
    fireEvent.click(screen.getByRole('button', { name: 'Delete dataset' }));
    expect(document.activeElement?.textContent).toBe('Delete books and all its versions');
    fireEvent.click(screen.getByRole('button', { name: 'Keep it' }));
    expect(onConfirm).not.toHaveBeenCalled();
    fireEvent.click(screen.getByRole('button', { name: 'Delete dataset' }));
    fireEvent.click(screen.getByRole('button', { name: 'Delete books and all its versions' }));
    expect(onConfirm).toHaveBeenCalledTimes(1);
  });
});

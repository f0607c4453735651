import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useState } from 'react';
import { describe, expect, it, vi } from 'vitest';
import { Composer } from './composer.tsx';

function Harness({ onSend, busy = false }: { onSend: (text: string) => void; busy?: boolean }) {
  const [value, setValue] = useState('');
  return (
    <Composer value={value} onChange={setValue} onSend={() => onSend(value)} onStop={() => {}} busy={busy} />
  );
}

describe('Composer', () => {
  it('sends on Enter and adds a line on Shift+Enter', async () => {
    const onSend = vi.fn();
    render(<Harness onSend={onSend} />);
    const box = screen.getByRole('textbox', { name: 'Message' });
    await userEvent.type(box, 'first line{Shift>}{Enter}{/Shift}second line');
    expect(box).toHaveValue('first line\nsecond line');
    expect(onSend).not.toHaveBeenCalled();
    await userEvent.type(box, '{Enter}');
    expect(onSend).toHaveBeenCalledWith('first line\nsecond line');
  });

  it('does not send blank text and offers Send only when there is text', async () => {
    const onSend = vi.fn();
    render(<Harness onSend={onSend} />);
    const send = screen.getByRole('button', { name: 'Send' });
    expect(send).toBeDisabled();
    await userEvent.type(screen.getByRole('textbox', { name: 'Message' }), '   {Enter}');
    expect(onSend).not.toHaveBeenCalled();
    await userEvent.type(screen.getByRole('textbox', { name: 'Message' }), 'hi');
    await userEvent.click(send);
    expect(onSend).toHaveBeenCalledWith('   hi');
  });

  it('shows Stop instead of Send while an answer streams', async () => {
    const onStop = vi.fn();
    render(<Composer value="x" onChange={() => {}} onSend={() => {}} onStop={onStop} busy />);
    expect(screen.queryByRole('button', { name: 'Send' })).toBeNull();
    await userEvent.click(screen.getByRole('button', { name: 'Stop' }));
    expect(onStop).toHaveBeenCalledOnce();
  });
});

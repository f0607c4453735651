import '@testing-library/jest-dom/vitest';
import { cleanup } from '@testing-library/react';
import { afterEach } from 'vitest';
import { forgetUnsentText } from './chat/chat-session.tsx';

afterEach(() => {
  cleanup();
  localStorage.clear();
  forgetUnsentText();
});

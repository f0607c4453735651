import '@testing-library/jest-dom/vitest';
import { cleanup, configure } from '@testing-library/react';
import { afterEach } from 'vitest';
import { forgetUnsentText } from './chat/chat-session.tsx';

// Component tests that talk to the real server wait for it as a user would; a loaded CI machine is slow.
configure({ asyncUtilTimeout: 15_000 });

afterEach(() => {
  cleanup();
  localStorage.clear();
  forgetUnsentText();
});

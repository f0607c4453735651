import react from '@vitejs/plugin-react';
import { defineProject } from 'vitest/config';

export default defineProject({
  plugins: [react()],
  test: {
    name: 'web',
    root: import.meta.dirname,
    environment: 'jsdom',
    include: ['src/**/*.test.tsx', 'src/**/*.test.ts'],
    setupFiles: ['./src/test-setup.ts'],
    // One real `godwit serve` for the run: component tests that talk to the server talk to this one.
    globalSetup: ['../test/support/web-live-server.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});

import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The dev server proxies the API to a running `godwit serve` (default 127.0.0.1:8787). The proxied
// requests carry the server's own Host (changeOrigin), which a server with auth off requires; its writes
// carry this dev server's Origin: start the server with GODWIT_SERVER__ALLOWED_ORIGINS=http://127.0.0.1:5173.
const api = process.env.GODWIT_API_URL ?? 'http://127.0.0.1:8787';

export default defineConfig({
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 900 },
  server: {
    host: '127.0.0.1',
    proxy: Object.fromEntries(
      ['/api', '/v1', '/healthz', '/readyz'].map((path) => [path, { target: api, changeOrigin: true }]),
    ),
  },
});

// The startup peer: the smallest useful @hono/node-server app, answering /readyz on 127.0.0.1.
//   node bench/support/hello-server.js PORT
import { serve } from '@hono/node-server';
import { Hono } from 'hono';

const port = Number(process.argv[2]);
const app = new Hono();
app.get('/readyz', (context) => context.json({ status: 'ready' }));
serve({ fetch: app.fetch, hostname: '127.0.0.1', port });

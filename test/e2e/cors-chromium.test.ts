/**
 * A front end hosted on another origin calls the API from Chromium: the allowed origin's page gets through
 * the real preflight and reads the answer; another origin's page is stopped by the browser before its
 * request is sent.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type NodeServer, startNodeServer } from '../../src/runtime/node.ts';
import { createApp } from '../../src/server/index.ts';
import { createTestServices, type TestServices } from '../support/test-services.ts';
import { describeWithChromium, launchChromium } from './chromium.ts';

async function startPageServer(): Promise<{ server: Server; origin: string }> {
  const server = createServer((_request, response) => {
    response.setHeader('content-type', 'text/html; charset=utf-8');
    response.end('<!doctype html><title>Front end</title><p>Hosted apart from the API.</p>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describeWithChromium('CORS from a page on another origin', () => {
  let services: TestServices;
  let api: NodeServer;
  let allowed: { server: Server; origin: string };
  let other: { server: Server; origin: string };
  let browser: Browser;

  beforeAll(async () => {
    [allowed, other] = await Promise.all([startPageServer(), startPageServer()]);
    services = await createTestServices();
    const app = createApp({
      services,
      options: { logger: () => {}, cors: { allowedOrigins: [allowed.origin] } },
    });
    api = await startNodeServer({ fetch: app.fetch, host: '127.0.0.1', port: 0 });
    browser = await launchChromium();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await api?.close({ graceMs: 1000 });
    await services?.close();
    allowed?.server.close();
    other?.server.close();
  });

  /** Runs a JSON chat request from a page of `origin`; `blocked` when the browser refuses it. */
  async function chatFrom(origin: string) {
    const page = await browser.newPage();
    await page.goto(origin);
    const result = await page.evaluate(async (url) => {
      try {
        const response = await fetch(`${url}/api/chat`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ message: 'How many vacation days?', knowledgeBase: null }),
        });
        const body = (await response.json()) as { answer?: string };
        return {
          status: response.status,
          answer: body.answer,
          requestId: response.headers.get('x-request-id'),
        };
      } catch (error) {
        return { blocked: String(error) };
      }
    }, api.url);
    await page.close();
    return result;
  }

  it('lets the allowed origin call the API after a real preflight', async () => {
    const result = await chatFrom(allowed.origin);
    expect(result).toMatchObject({ status: 200, answer: 'Employees get 25 vacation days a year [1].' });
    expect(result).toHaveProperty('requestId', expect.any(String));
  });

  it('blocks another origin before its request reaches the API', async () => {
    const before = await services.conversations.listConversations('default');
    const result = await chatFrom(other.origin);
    expect(result).toHaveProperty('blocked', expect.stringContaining('Failed to fetch'));
    const after = await services.conversations.listConversations('default');
    expect(after.conversations.length).toBe(before.conversations.length);
  });
});

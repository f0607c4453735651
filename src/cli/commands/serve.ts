import { createConfiguredUrlGuard } from '../../config/configured-url-guard.ts';
import { acquireDataDirLock } from '../../config/data-dir-lock.ts';
import { describeStorage } from '../../config/describe-storage.ts';
import {
  channelSettings,
  channelTurnMeter,
  createConfiguredChannels,
  createGodwit,
} from '../../config/index.ts';
import { SAMPLE_KNOWLEDGE_BASE } from '../../config/sample-knowledge-base.ts';
import { DEFAULT_TENANT } from '../../core/types.ts';
import { type NodeServer, startNodeServer } from '../../runtime/node.ts';
import { checkAuthReadiness } from '../../server/auth/auth-readiness.ts';
import { describeAuthMethods, resolveAuthSettings } from '../../server/auth/auth-settings.ts';
import { createApp, createGodwitMetrics, createMetricsApp } from '../../server/index.ts';
import { writeLogLine } from '../../server/log-writer.ts';
import { createReadiness } from '../../server/readiness.ts';
import { offerSample, sampleOffered } from '../backend.ts';
import { type GlobalOptions, readConfig } from '../context.ts';
import type { Output } from '../output.ts';

export interface ServeOptions extends GlobalOptions {
  host?: string;
  port?: string;
  sample: boolean;
}

/** `godwit serve`: the HTTP API (and web app) until SIGINT/SIGTERM. Resolves when the server has stopped. */
export async function serveCommand(options: ServeOptions, output: Output): Promise<number> {
  const config = readConfig(options, {
    server: {
      ...(options.host ? { host: options.host } : {}),
      ...(options.port ? { port: Number(options.port) } : {}),
    },
  });
  // A non-loopback host requires authentication: resolving refuses auth.mode=off there.
  const auth = resolveAuthSettings(config);
  // Built before anything is opened: a bad urlFetch.allowedHosts entry stops here, leaving nothing held.
  const urlGuard = createConfiguredUrlGuard(config);
  // So is a channel that names an assistant that does not exist.
  channelSettings(config);
  const lock = config.database.url ? null : acquireDataDirLock(config.dataDir, 'serve');
  const services = await createGodwit(config).catch((error) => {
    lock?.release();
    throw error;
  });
  try {
    await checkAuthReadiness(auth, services.apiKeys, { embeddedDatabase: !config.database.url });
  } catch (error) {
    await services.close();
    lock?.release();
    throw error;
  }
  const shutdown = new AbortController();
  const logger = writeLogLine;
  const readiness = createReadiness(services, {
    logger,
    shutdown: shutdown.signal,
    timeoutMs: config.server.readinessTimeoutMs,
  });
  const channels = createConfiguredChannels(config, {
    chat: services.chat,
    conversations: services.conversations,
    meter: channelTurnMeter(services),
    shutdownSignal: shutdown.signal,
    reportError: (error, context) =>
      logger({
        level: 'error',
        message: 'channel job failed',
        job: context.job,
        error: error instanceof Error ? error.message : String(error),
      }),
  });
  const metrics = createGodwitMetrics();
  const separateMetrics = config.metrics.port !== null;
  const app = createApp({
    services,
    metrics,
    readiness,
    channels,
    options: {
      logger,
      shutdownSignal: shutdown.signal,
      serveMetrics: !separateMetrics,
      maxBodyBytes: config.server.maxBodyBytes,
      maxUploadBytes: config.server.maxUploadBytes,
      auth,
      urlGuard,
      loopback: {
        bindHost: config.server.host,
        allowedHosts: config.server.allowedHosts,
        allowedOrigins: config.server.allowedOrigins,
      },
      cors: config.server.cors,
      maxImageBytes: config.urlFetch.maxImageBytes,
    },
  });
  const server = await startNodeServer({
    fetch: app.fetch,
    host: config.server.host,
    port: config.server.port,
    timeouts: {
      headersTimeoutMs: config.server.headersTimeoutMs,
      requestTimeoutMs: config.server.requestTimeoutMs,
      idleTimeoutMs: config.server.idleTimeoutMs,
    },
  }).catch(async (error) => {
    await services.close();
    lock?.release();
    throw error;
  });
  const metricsServer = separateMetrics
    ? await startNodeServer({
        fetch: createMetricsApp(metrics, config.metrics.host).fetch,
        host: config.metrics.host,
        port: config.metrics.port ?? 0,
      }).catch(async (error) => {
        await server.close();
        await services.close();
        lock?.release();
        throw error;
      })
    : null;
  lock?.setServerUrl(server.url);
  const knowledgeBases = await services.knowledgeStore.listKnowledgeBases(DEFAULT_TENANT);
  // The sample goes only into a data dir that has no base of its own (`offerSample` says the same).
  const loadSample =
    options.sample &&
    config.sample &&
    !sampleOffered(config) &&
    knowledgeBases.every((base) => base.name === SAMPLE_KNOWLEDGE_BASE);
  // One write: whoever reads the pipe sees the whole banner at once, never its first lines alone.
  const banner = [
    `Godwit ${services.version} listening on ${server.url}`,
    `  model:     ${services.provider.model} (${services.provider.reason})`,
    ...(services.provider.fallbackModels.length > 0
      ? [`  fallback:  ${services.provider.fallbackModels.join(' → ')}`]
      : []),
    `  storage:   ${describeStorage(config)}`,
    loadSample
      ? `  knowledge: loading the sample "${SAMPLE_KNOWLEDGE_BASE}" in the background (skip it with --no-sample)`
      : `  knowledge: ${knowledgeBases.map((kb) => kb.name).join(', ') || '(none yet: godwit ingest ./docs --kb NAME)'}`,
    `  auth:      ${auth.mode === 'required' ? `required (${describeAuthMethods(auth)})` : 'off (loopback only; every caller is the local admin)'}`,
    `  API docs:  ${server.url}/docs`,
    `  metrics:   ${metricsServer ? `${metricsServer.url}/metrics (separate listener)` : `${server.url}/metrics${auth.mode === 'required' ? ' (admins only)' : ''}`}`,
  ];
  output.info(banner.join('\n'));
  // Outages are logged as they happen, not only when a load balancer happens to probe /readyz.
  const stopWatching = readiness.watch(READINESS_WATCH_INTERVAL_MS);
  // The sample loads after the server is up: readiness does not wait for its parsers (seconds for the first
  // PDF, DOCX and XLSX). Text documents go first, so a first question finds the handbook within moments.
  const sampleStop = new AbortController();
  const sample = loadSample
    ? offerSample(services, config, output, sampleStop.signal).catch((error: unknown) => {
        output.error(
          `could not load the sample knowledge base: ${error instanceof Error ? error.message : error}`,
        );
      })
    : Promise.resolve();
  await stopSignal();
  stopWatching();
  sampleStop.abort();
  await sample;
  await drain(server, shutdown, config.server.shutdownGraceMs, output);
  // Channel answers still being posted (their turns were told to stop): bounded like the requests.
  await Promise.race([
    channels.idle(),
    new Promise((done) => setTimeout(done, config.server.shutdownGraceMs).unref()),
  ]);
  await metricsServer?.close();
  await services.close();
  lock?.release();
  return 0;
}

const READINESS_WATCH_INTERVAL_MS = 5_000;

/** Resolves on the first SIGINT or SIGTERM; a second one during the drain ends the process at once. */
function stopSignal(): Promise<string> {
  return new Promise((resolveStop) => {
    const stop = (signal: string) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      const force = () => process.exit(130);
      process.once('SIGINT', force);
      process.once('SIGTERM', force);
      resolveStop(signal);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

/**
 * Stops accepting, tells streams and readiness that the server is stopping, and waits up to `graceMs`
 * for the requests in flight before closing what is left.
 */
async function drain(server: NodeServer, shutdown: AbortController, graceMs: number, output: Output) {
  output.info(`Stopping: finishing ${server.inFlight} request(s) in flight (up to ${graceMs} ms)…`);
  shutdown.abort();
  const outcome = await server.close({ graceMs });
  output.info(
    outcome.cut === 0
      ? `Stopped: every request in flight finished (${outcome.inFlightAtStart}).`
      : `Stopped: ${outcome.cut} request(s) still running after ${graceMs} ms were cut (server.shutdownGraceMs).`,
  );
}

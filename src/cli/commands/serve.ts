import { createConfiguredUrlGuard } from '../../config/configured-url-guard.ts';
import { acquireDataDirLock } from '../../config/data-dir-lock.ts';
import { describeStorage } from '../../config/describe-storage.ts';
import { createGodwit } from '../../config/index.ts';
import { DEFAULT_TENANT } from '../../core/types.ts';
import { startNodeServer } from '../../runtime/node.ts';
import { checkAuthReadiness } from '../../server/auth/auth-readiness.ts';
import { describeAuthMethods, resolveAuthSettings } from '../../server/auth/auth-settings.ts';
import { createApp, createGodwitMetrics, createMetricsApp } from '../../server/index.ts';
import { offerSample } from '../backend.ts';
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
  if (options.sample && config.sample) await offerSample(services, config, output);
  const metrics = createGodwitMetrics();
  const separateMetrics = config.metrics.port !== null;
  const app = createApp({
    services,
    metrics,
    options: {
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
      maxImageBytes: config.urlFetch.maxImageBytes,
    },
  });
  const server = await startNodeServer({
    fetch: app.fetch,
    host: config.server.host,
    port: config.server.port,
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
  output.info(`Godwit ${services.version} listening on ${server.url}`);
  output.info(`  model:     ${services.provider.model} (${services.provider.reason})`);
  if (services.provider.fallbackModels.length > 0)
    output.info(`  fallback:  ${services.provider.fallbackModels.join(' → ')}`);
  output.info(`  storage:   ${describeStorage(config)}`);
  output.info(
    `  knowledge: ${knowledgeBases.map((kb) => kb.name).join(', ') || '(none yet: godwit ingest ./docs --kb NAME)'}`,
  );
  output.info(
    `  auth:      ${auth.mode === 'required' ? `required (${describeAuthMethods(auth)})` : 'off (loopback only; every caller is the local admin)'}`,
  );
  output.info(`  API docs:  ${server.url}/docs`);
  output.info(
    `  metrics:   ${metricsServer ? `${metricsServer.url}/metrics (separate listener)` : `${server.url}/metrics${auth.mode === 'required' ? ' (admins only)' : ''}`}`,
  );
  await new Promise<void>((resolveStop) => {
    const stop = () => {
      output.info('Stopping…');
      resolveStop();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await server.close();
  await metricsServer?.close();
  await services.close();
  lock?.release();
  return 0;
}

/** postgres://user:secret@host/db → postgres://user:***@host/db */
export function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable URL)';
  }
}

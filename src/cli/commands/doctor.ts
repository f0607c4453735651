import { connect } from 'node:net';
import { readLockOwner } from '../../config/data-dir-lock.ts';
import { redactPassword as redact } from '../../config/describe-storage.ts';
import { createGodwit, loadConfig } from '../../config/index.ts';
import type { HealthReport } from '../../core/ports.ts';
import type { GodwitServices } from '../../core/services.ts';
import type { GlobalOptions } from '../context.ts';
import type { Output } from '../output.ts';
import { clientTimeoutMs, timedFetch } from '../timed-fetch.ts';

export interface DoctorOptions extends GlobalOptions {
  json?: boolean;
}

/** `godwit doctor`: configuration, each configured dependency (reachable, version) and the model provider. */
export async function doctorCommand(options: DoctorOptions, output: Output): Promise<number> {
  const { config, configPath } = loadConfig({
    configPath: options.config,
    overrides: options.dataDir ? { dataDir: options.dataDir } : {},
  });
  const checks: HealthReport[] = [
    {
      name: 'config',
      ok: true,
      detail: configPath ? `loaded ${configPath}` : 'no config file; defaults and GODWIT_* variables',
    },
  ];
  const owner = config.database.url ? null : readLockOwner(config.dataDir);
  let provider: GodwitServices['provider'] | null = null;
  if (owner) {
    checks.push(await serverCheck(owner.serverUrl, owner.pid));
  } else {
    try {
      const services = await createGodwit(config);
      try {
        checks.push(...(await services.health()));
        provider = services.provider;
      } finally {
        await services.close();
      }
    } catch (error) {
      checks.push({ name: 'database', ok: false, detail: (error as Error).message });
    }
  }
  if (config.redis.url) checks.push(await redisCheck(config.redis.url));
  const ok = checks.every((check) => check.ok);
  if (options.json) {
    output.json({
      ok,
      dataDir: config.dataDir,
      database: config.database.url ? redact(config.database.url) : 'pglite',
      checks,
      provider,
    });
  } else {
    output.line(`data dir: ${config.dataDir}`);
    for (const check of checks) {
      output.line(
        `${check.ok ? 'ok  ' : 'FAIL'} ${check.name}: ${check.detail}${check.version ? ` (version ${check.version})` : ''}`,
      );
    }
    if (provider) {
      output.line(`model: ${provider.model} — ${provider.reason}`);
      output.line(`embeddings: ${provider.embeddingModel ?? 'none (keyword search only)'}`);
      for (const entry of provider.providers) {
        output.line(`  ${entry.configured ? 'ready' : 'off  '} ${entry.provider}: ${entry.reason}`);
      }
    }
  }
  return ok ? 0 : 1;
}

async function serverCheck(serverUrl: string | null, pid: number): Promise<HealthReport> {
  if (!serverUrl) return { name: 'data dir', ok: true, detail: `in use by Godwit process ${pid}` };
  try {
    const response = await timedFetch(
      new URL('/readyz', serverUrl),
      {},
      {
        timeoutMs: clientTimeoutMs(),
        peer: `the Godwit server at ${serverUrl}`,
        advice: `Restart it (pid ${pid}) if it stays stuck.`,
      },
    );
    const body = (await response.json()) as { version?: string };
    return {
      name: 'server',
      ok: response.ok,
      detail: `godwit serve (pid ${pid}) at ${serverUrl} answered ${response.status}`,
      ...(body.version ? { version: body.version } : {}),
    };
  } catch (error) {
    return {
      name: 'server',
      ok: false,
      detail: `godwit serve (pid ${pid}) at ${serverUrl} is not answering: ${(error as Error).message}`,
    };
  }
}

/** PING and INFO over RESP, so doctor needs no Redis client library. */
export function redisCheck(url: string, timeoutMs = 2000): Promise<HealthReport> {
  const parsed = new URL(url);
  return new Promise((resolveCheck) => {
    const socket = connect({ host: parsed.hostname, port: Number(parsed.port || 6379) });
    let received = '';
    const finish = (report: HealthReport) => {
      socket.destroy();
      resolveCheck(report);
    };
    socket.setTimeout(timeoutMs, () =>
      finish({ name: 'redis', ok: false, detail: `no answer from ${redact(url)} within ${timeoutMs} ms` }),
    );
    socket.on('error', (error) =>
      finish({ name: 'redis', ok: false, detail: `cannot reach ${redact(url)}: ${error.message}` }),
    );
    socket.on('connect', () => {
      const auth = parsed.password ? `AUTH ${decodeURIComponent(parsed.password)}\r\n` : '';
      socket.write(`${auth}PING\r\nINFO server\r\n`);
    });
    socket.on('data', (chunk) => {
      received += chunk.toString('utf8');
      const version = /redis_version:([^\r\n]+)/.exec(received)?.[1];
      if (received.includes('-NOAUTH') || received.includes('-WRONGPASS')) {
        finish({ name: 'redis', ok: false, detail: `${redact(url)} refused the credentials` });
      } else if (version) {
        finish({ name: 'redis', ok: true, detail: `reachable at ${redact(url)}`, version });
      }
    });
  });
}

import { useEffect, useState } from 'react';
import { authHeaders, describeError, UNREACHABLE_MESSAGE } from '../api/api-client.ts';
import type { Readiness } from '../api/types.ts';

/** Status: the providers in use, each dependency's health (from /readyz), and the server version. */
export function StatusPage() {
  const [readiness, setReadiness] = useState<Readiness | null>(null);
  const [error, setError] = useState<string | null>(null);

  const load = async () => {
    try {
      // 503 still carries the report: read the body whatever the status.
      const response = await fetch('/readyz', { headers: authHeaders() }).catch(() => {
        throw new Error(UNREACHABLE_MESSAGE);
      });
      const body = (await response.json()) as Readiness;
      setReadiness(body);
      setError(null);
    } catch (caught) {
      setError(describeError(caught));
    }
  };
  // biome-ignore lint/correctness/useExhaustiveDependencies: load once on open
  useEffect(() => {
    void load();
  }, []);

  return (
    <div className="page status-page">
      <div className="page-header">
        <h1>Status</h1>
        <button type="button" className="button secondary" onClick={() => void load()}>
          Refresh
        </button>
      </div>
      {error ? (
        <div className="banner error" role="alert">
          {error}
        </div>
      ) : null}
      {readiness ? (
        <>
          <p className={readiness.status === 'ok' ? 'banner ok' : 'banner error'} role="status">
            {readiness.status === 'ok' ? 'All dependencies are healthy.' : 'A dependency is not healthy.'}{' '}
            Version <strong data-testid="version">{readiness.version}</strong>.
          </p>
          <section className="card">
            <h2>Providers</h2>
            <dl className="facts">
              <dt>Chat model</dt>
              <dd>{readiness.provider.model}</dd>
              <dt>Fallback models</dt>
              <dd>{readiness.provider.fallbackModels.join(', ') || 'none'}</dd>
              <dt>Embedding model</dt>
              <dd>{readiness.provider.embeddingModel ?? 'none (keyword search)'}</dd>
              <dt>Why</dt>
              <dd>{readiness.provider.reason}</dd>
              <dt>Models a request may name</dt>
              <dd>{readiness.provider.availableModels.join(', ')}</dd>
            </dl>
          </section>
          <section className="card">
            <h2>Dependencies</h2>
            <div className="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Dependency</th>
                    <th scope="col">Health</th>
                    <th scope="col">Detail</th>
                  </tr>
                </thead>
                <tbody>
                  {readiness.checks.map((check) => (
                    <tr key={check.name}>
                      <th scope="row">{check.name}</th>
                      <td>
                        <span className={check.ok ? 'status-badge ready' : 'status-badge failed'}>
                          {check.ok ? 'healthy' : 'down'}
                        </span>
                      </td>
                      <td>
                        {check.detail}
                        {check.version ? <span className="muted"> ({check.version})</span> : null}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </section>
        </>
      ) : null}
    </div>
  );
}

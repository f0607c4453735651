import { useState } from 'react';
import { setApiKey, UNREACHABLE_MESSAGE } from '../api/api-client.ts';

/** Asks for an API key, checks it against the server, and keeps it for later visits. */
export function SignIn({ onSignedIn }: { onSignedIn: () => void }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <main className="sign-in">
      <form
        className="card"
        onSubmit={async (event) => {
          event.preventDefault();
          setBusy(true);
          try {
            const response = await fetch('/api/conversations?limit=1', {
              headers: { authorization: `Bearer ${key.trim()}` },
            }).catch(() => null);
            if (!response) setError(UNREACHABLE_MESSAGE);
            else if (response.status === 401)
              setError('That API key was not accepted. Check it and try again.');
            else {
              setApiKey(key.trim());
              onSignedIn();
            }
          } finally {
            setBusy(false);
          }
        }}
      >
        <h1>Sign in to Godwit</h1>
        <p className="muted">
          This server requires an API key. Create one with <code>godwit keys create</code>.
        </p>
        <div className="field">
          <label htmlFor="api-key">API key</label>
          <input
            id="api-key"
            type="password"
            autoComplete="current-password"
            value={key}
            required
            onChange={(event) => setKey(event.target.value)}
          />
        </div>
        {error ? (
          <p className="error-text" role="alert">
            {error}
          </p>
        ) : null}
        <button type="submit" className="button primary" disabled={busy || !key.trim()}>
          Sign in
        </button>
      </form>
    </main>
  );
}

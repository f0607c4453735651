import { useEffect, useState } from 'react';
import { getApiKey, onUnauthorized, setApiKey } from './api/api-client.ts';
import { SignIn } from './auth/sign-in.tsx';
import { ChatPage } from './chat/chat-page.tsx';
import { KnowledgePage } from './knowledge/knowledge-page.tsx';
import { navigate, type Route, useRoute } from './shell/router.ts';
import { useTheme } from './shell/theme.ts';
import { StatusPage } from './status/status-page.tsx';
import { UsagePage } from './usage/usage-page.tsx';

const NAV: Array<{ path: string; label: string; page: Route['page'] }> = [
  { path: '/', label: 'Chat', page: 'chat' },
  { path: '/knowledge', label: 'Knowledge', page: 'knowledge' },
  { path: '/usage', label: 'Usage', page: 'usage' },
  { path: '/status', label: 'Status', page: 'status' },
];

function Page({ route }: { route: Route }) {
  switch (route.page) {
    case 'chat':
      return <ChatPage conversationId={route.conversationId} />;
    case 'knowledge':
      return <KnowledgePage />;
    case 'usage':
      return <UsagePage />;
    case 'status':
      return <StatusPage />;
    case 'not-found':
      return (
        <div className="page">
          <h1>Page not found</h1>
          <p>
            <a
              href="/"
              onClick={(event) => {
                event.preventDefault();
                navigate('/');
              }}
            >
              Back to chat
            </a>
          </p>
        </div>
      );
  }
}

/** The app shell: navigation, theme, sign-in when the server asks for a key. */
export function App() {
  const route = useRoute();
  const [theme, toggleTheme] = useTheme();
  const [needsKey, setNeedsKey] = useState(false);
  const [signedIn, setSignedIn] = useState(() => getApiKey() !== null);
  const [generation, setGeneration] = useState(0);

  useEffect(() => onUnauthorized(() => setNeedsKey(true)), []);

  if (needsKey) {
    return (
      <SignIn
        onSignedIn={() => {
          setNeedsKey(false);
          setSignedIn(true);
          setGeneration((value) => value + 1);
        }}
      />
    );
  }

  return (
    <div className="app">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="top-bar">
        <a
          className="brand"
          href="/"
          onClick={(event) => {
            event.preventDefault();
            navigate('/');
          }}
        >
          Godwit
        </a>
        <nav aria-label="Main" className="main-nav">
          {NAV.map((item) => (
            <a
              key={item.path}
              href={item.path}
              aria-current={route.page === item.page ? 'page' : undefined}
              onClick={(event) => {
                event.preventDefault();
                navigate(item.path);
              }}
            >
              {item.label}
            </a>
          ))}
        </nav>
        <div className="top-actions">
          <button
            type="button"
            className="icon-button"
            onClick={toggleTheme}
            aria-label={theme === 'dark' ? 'Use light theme' : 'Use dark theme'}
          >
            {theme === 'dark' ? '☀' : '☾'}
          </button>
          {signedIn ? (
            <button
              type="button"
              className="button secondary small"
              onClick={() => {
                setApiKey(null);
                setSignedIn(false);
                setNeedsKey(true);
              }}
            >
              Sign out
            </button>
          ) : null}
        </div>
      </header>
      <main id="main" key={generation}>
        <Page route={route} />
      </main>
    </div>
  );
}

// The portal's shell: the header (home, Cart link with its count, log in / log out), the
// page the URL names, and a live region for messages. The session starts as the guest;
// logging in or out starts a new search engine, so nothing seen by one viewer is shown to
// the next.
import { render } from 'preact';
import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import { GUEST, login, logout, type Session } from './api.js';
import { loadCart, saveCart } from './cart.js';
import { linkHandler, PortalContext, type Portal } from './context.js';
import { SearchEngine } from './search.js';
import { emptySearch, parseView, viewUrl, type View } from './state.js';
import { SearchPage } from './components/SearchPage.js';
import { SeriesPage } from './components/SeriesPage.js';
import { CollectionPage } from './components/CollectionPage.js';
import { CartPage, SharedCartPage } from './components/CartPage.js';
import './style.css';

const SESSION_KEY = 'nbia-portal-session';

function storedSession(): Session | null {
  try {
    const s = JSON.parse(sessionStorage.getItem(SESSION_KEY) ?? 'null') as Session | null;
    return s && typeof s.accessToken === 'string' && typeof s.username === 'string' ? s : null;
  } catch {
    return null;
  }
}

function LoginForm({ onLogin }: { onLogin(username: string, password: string): Promise<void> }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  return (
    <form
      class="login"
      aria-label="Log in"
      onSubmit={(e) => {
        e.preventDefault();
        // A failed login is reported in the status line by onLogin; the form keeps its fields.
        onLogin(username.trim(), password).then(() => setPassword(''), () => undefined);
      }}
    >
      <label for="username">Username</label>
      <input id="username" autocomplete="username" value={username} required onInput={(e) => setUsername(e.currentTarget.value)} />
      <label for="password">Password</label>
      <input id="password" type="password" autocomplete="current-password" value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
      <button type="submit">Log in</button>
    </form>
  );
}

function App() {
  const [session, setSession] = useState<Session | null>(storedSession);
  const [view, setView] = useState<View>(() => parseView(location.search));
  const [cart, setCartState] = useState<string[]>(loadCart);
  const [message, setMessage] = useState('');

  // The guest needs a token too (the unversioned endpoints ask for one).
  useEffect(() => {
    if (session) return;
    login(GUEST, '').then(setSession, (e: unknown) => setMessage(`Cannot reach the archive: ${e instanceof Error ? e.message : String(e)}`));
  }, [session]);
  useEffect(() => {
    if (session) sessionStorage.setItem(SESSION_KEY, JSON.stringify(session));
  }, [session]);
  useEffect(() => {
    const onPop = () => setView(parseView(location.search));
    addEventListener('popstate', onPop);
    return () => removeEventListener('popstate', onPop);
  }, []);

  const go = useCallback((next: View, replace = false) => {
    const url = viewUrl(next);
    if (replace) history.replaceState(null, '', url);
    else history.pushState(null, '', url);
    setView(next);
    scrollTo(0, 0);
  }, []);

  const engine = useMemo(() => (session ? new SearchEngine(session) : null), [session]);
  const portal: Portal | null = useMemo(
    () =>
      session && engine
        ? {
            session,
            engine,
            cart,
            setCart: (uids: string[]) => (saveCart(uids), setCartState(uids)),
            go,
            announce: setMessage,
          }
        : null,
    [session, engine, cart, go],
  );

  const doLogin = async (username: string, password: string) => {
    try {
      const s = await login(username, password);
      setSession(s);
      setMessage(`Logged in as ${s.username}`);
    } catch (e) {
      setMessage(`Login failed: ${e instanceof Error ? e.message : String(e)}`);
      throw e;
    }
  };
  const doLogout = async () => {
    if (session) await logout(session).catch(() => undefined);
    sessionStorage.removeItem(SESSION_KEY);
    setSession(null);
    setMessage('Logged out');
  };

  const home = { kind: 'search', search: emptySearch() } as const;
  const cartView = { kind: 'cart' } as const;
  return (
    <>
      <header>
        <a class="brand" href="/" onClick={linkHandler(go, home)}>
          Imaging archive
        </a>
        <nav aria-label="Main">
          <a href={viewUrl(cartView)} onClick={linkHandler(go, cartView)} aria-current={view.kind === 'cart' ? 'page' : undefined}>
            Cart ({cart.length})
          </a>
        </nav>
        {session && session.username !== GUEST ? (
          <div class="user">
            <span>Logged in as {session.username}</span>
            <button type="button" onClick={() => void doLogout()}>
              Log out
            </button>
          </div>
        ) : (
          <LoginForm onLogin={doLogin} />
        )}
      </header>
      <p class="status" role="status">
        {message}
      </p>
      <main>
        {portal ? (
          <PortalContext.Provider value={portal}>
            {view.kind === 'search' && <SearchPage search={view.search} />}
            {view.kind === 'series' && <SeriesPage uid={view.uid} />}
            {view.kind === 'collection' && <CollectionPage name={view.name} />}
            {view.kind === 'cart' && <CartPage />}
            {view.kind === 'shared' && <SharedCartPage name={view.name} />}
          </PortalContext.Provider>
        ) : (
          <p>Connecting…</p>
        )}
      </main>
    </>
  );
}

render(<App />, document.getElementById('app')!);

// An image through the bearer token, or a placeholder when the server has none to show.
import { useEffect, useState } from 'preact/hooks';
import { loadImage } from '../images.js';
import { usePortal } from '../context.js';

export function AuthImage({ url, alt, className }: { url: string; alt: string; className: string }) {
  const { session } = usePortal();
  const [state, setState] = useState<{ url: string; src: string | null } | null>(null);
  useEffect(() => {
    const abort = new AbortController();
    let objectUrl: string | null = null;
    loadImage(session, url, abort.signal).then(
      (src) => {
        objectUrl = src;
        if (!abort.signal.aborted) setState({ url, src });
        else if (src) URL.revokeObjectURL(src);
      },
      () => {
        if (!abort.signal.aborted) setState({ url, src: null });
      },
    );
    return () => {
      abort.abort();
      if (objectUrl) URL.revokeObjectURL(objectUrl);
    };
  }, [url, session]);
  const current = state?.url === url ? state : null;
  if (current?.src) return <img class={className} src={current.src} alt={alt} />;
  return (
    <div class={`${className} placeholder`} role="img" aria-label={current ? `${alt}: no preview` : `${alt}: loading`}>
      {current ? 'no preview' : '…'}
    </div>
  );
}

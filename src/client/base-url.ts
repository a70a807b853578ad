// Where the NBIA API of a server lives. Users paste all sorts of URLs: the host, the
// `/nbia-api/services/` base the TCIA clients use, a family's base (`.../services/v4/`),
// or a `.tcia` manifest's downloadServerUrl (`.../nbia-download/servlet/DownloadServlet`,
// whose API lives on the same host under /nbia-api/, as api-policy.md says). All of them
// name the same API root: `<origin>[/prefix]/nbia-api`.

export type Family = 'v1' | 'v2' | 'v4' | 'advanced';

/** The API root (`.../nbia-api`, no trailing slash) of any of the URLs above. */
export function apiRoot(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TypeError(`not a URL: ${JSON.stringify(url)} (give e.g. http://127.0.0.1:8080 or https://services.cancerimagingarchive.net/nbia-api/services/)`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new TypeError(`not an http(s) URL: ${url}`);
  let path = parsed.pathname.replace(/\/+$/, '');
  const servlet = path.indexOf('/nbia-download/');
  if (servlet >= 0) path = path.slice(0, servlet);
  const api = path.indexOf('/nbia-api');
  if (api >= 0 && (path.length === api + 9 || path[api + 9] === '/')) path = path.slice(0, api);
  return `${parsed.origin}${path}/nbia-api`;
}

/** The URL of an endpoint of a family, under `services/` as every TCIA client calls it. */
export function endpointUrl(root: string, family: Family, name: string): string {
  return `${root}/services/${family === 'advanced' ? name : `${family}/${name}`}`;
}

/**
 * OSWorld's compare_urls: both URLs get a default http:// scheme, the host is reduced to
 * subdomain + registered name (a lone "www" subdomain dropped, the public suffix and the port ignored),
 * a bare "/" path counts as empty, and params, query and fragment must match exactly.
 * The public-suffix split uses the common multi-label suffixes below plus "the last label is a
 * suffix when it is alphabetic"; this matches the Public Suffix List for every host in OSWorld's
 * chrome tasks and for 127.0.0.1 / localhost / file URLs.
 */

const TWO_LABEL_SUFFIXES = new Set([
  'co.uk', 'org.uk', 'ac.uk', 'gov.uk', 'com.au', 'net.au', 'org.au', 'edu.au', 'com.sg', 'edu.sg', 'com.cn',
  'com.br', 'co.jp', 'co.in', 'co.kr', 'com.hk', 'com.tw', 'co.nz', 'com.mx', 'co.za', 'com.tr', 'gov.cn',
]);
const NOT_SUFFIXES = new Set(['localhost', 'local', 'internal', 'lan', 'home']);

interface UrlParts {
  scheme: string;
  netloc: string;
  path: string;
  params: string;
  query: string;
  fragment: string;
}

/** Python urllib.parse.urlparse for the schemes tabs hold (http, https, file, chrome, about...). */
export function urlparse(url: string): UrlParts {
  let rest = url;
  let scheme = '';
  const m = /^([a-zA-Z][a-zA-Z0-9+\-.]*):/.exec(rest);
  if (m) {
    scheme = m[1].toLowerCase();
    rest = rest.slice(m[0].length);
  }
  let netloc = '';
  if (rest.startsWith('//')) {
    const end = rest.slice(2).search(/[/?#]/);
    netloc = end === -1 ? rest.slice(2) : rest.slice(2, 2 + end);
    rest = end === -1 ? '' : rest.slice(2 + end);
  }
  let fragment = '';
  const hash = rest.indexOf('#');
  if (hash !== -1) {
    fragment = rest.slice(hash + 1);
    rest = rest.slice(0, hash);
  }
  let query = '';
  const q = rest.indexOf('?');
  if (q !== -1) {
    query = rest.slice(q + 1);
    rest = rest.slice(0, q);
  }
  let params = '';
  const lastSlash = rest.lastIndexOf('/');
  const semi = rest.indexOf(';', lastSlash + 1);
  if (semi !== -1) {
    params = rest.slice(semi + 1);
    rest = rest.slice(0, semi);
  }
  return { scheme, netloc, path: rest, params, query, fragment };
}

/** subdomain.domain of a host with the public suffix and port removed. */
export function registeredHost(netloc: string): string {
  const host = netloc.toLowerCase().replace(/^.*@/, '').replace(/:\d*$/, '');
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(host) || host.startsWith('[')) return host;
  const labels = host.split('.').filter((l) => l !== '');
  let suffixLabels = 0;
  if (labels.length >= 3 && TWO_LABEL_SUFFIXES.has(labels.slice(-2).join('.'))) suffixLabels = 2;
  else if (labels.length >= 2 && /^[a-z]{2,}$/.test(labels.at(-1)!) && !NOT_SUFFIXES.has(labels.at(-1)!)) suffixLabels = 1;
  const kept = labels.slice(0, labels.length - suffixLabels);
  const domain = kept.pop() ?? '';
  let subdomain = kept.join('.');
  if (subdomain === 'www') subdomain = '';
  return subdomain ? `${subdomain}.${domain}` : domain;
}

function normalize(url: string, full: boolean): string {
  const withScheme = /^[a-zA-Z][a-zA-Z0-9+\-.]*:\/\//.test(url) ? url : `http://${url}`;
  const p = urlparse(withScheme);
  return JSON.stringify([
    p.scheme,
    registeredHost(p.netloc),
    p.path === '/' ? '' : p.path,
    full ? p.params : '',
    full ? p.query : '',
    full ? p.fragment : '',
  ]);
}

export function compareUrls(a: string | null | undefined, b: string | null | undefined, full = true): boolean {
  if (a === null || a === undefined || b === null || b === undefined) return a === b;
  return normalize(a, full) === normalize(b, full);
}

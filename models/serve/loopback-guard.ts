/**
 * Who may talk to a server bound to loopback: the request must name our host (127.0.0.1 / localhost /
 * [::1] at our port; any other name is a DNS-rebinding attempt) and, when a browser says where it comes
 * from, come from our own origin (a web page's form or text/plain POST carries its own Origin).
 */
const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'];

export function allowedHost(host: string | undefined, port: number): boolean {
  if (host === undefined) return false;
  return LOOPBACK_NAMES.some((name) => host.toLowerCase() === `${name}:${port}`);
}

/** No Origin header (curl, API clients, same-origin GET of a page) is fine; a present one must be ours exactly. */
export function allowedOrigin(origin: string | undefined, port: number): boolean {
  if (origin === undefined) return true;
  return LOOPBACK_NAMES.some((name) => origin.toLowerCase() === `http://${name}:${port}`);
}

/** Whether a listening address is a loopback one (then Host names other than loopback are refused). */
export function isLoopbackAddress(address: string): boolean {
  return address === '::1' || address.startsWith('127.');
}

/**
 * The Hugging Face hub's HTTP surface, as much as pulling a model needs: the revision's file list with
 * sizes and hashes (`/api/models/<repo>/revision/<rev>?blobs=true`) and file bytes
 * (`/<repo>/resolve/<rev>/<path>`, usually a redirect to a CDN). HF_ENDPOINT and HF_TOKEN are honoured.
 */

export interface HubFile {
  path: string;
  size: number;
  /** sha256 of the content, for LFS files (the hub publishes it). */
  sha256?: string;
  /** git blob id (sha1 of "blob <size>\0" + content), for small non-LFS files. */
  gitBlobId?: string;
}

export interface HubRevision {
  repo: string;
  /** The commit the revision resolved to. */
  commit: string;
  files: HubFile[];
}

export interface HubOptions {
  endpoint?: string;
  token?: string;
  fetch?: typeof fetch;
}

export class HubError extends Error {
  override name = 'HubError';
}

export function hubEndpoint(options: HubOptions = {}): string {
  return (options.endpoint ?? process.env.HF_ENDPOINT ?? 'https://huggingface.co').replace(/\/+$/, '');
}

export function hubHeaders(options: HubOptions = {}): Record<string, string> {
  const token = options.token ?? process.env.HF_TOKEN;
  return token ? { authorization: `Bearer ${token}` } : {};
}

const REPO_ID = /^[A-Za-z0-9][\w.-]*\/[\w.-]+$/;

export async function getRevision(repo: string, revision = 'main', options: HubOptions = {}): Promise<HubRevision> {
  if (!REPO_ID.test(repo)) throw new HubError(`"${repo}" is not a repository id: expected owner/name, e.g. moonshotai/Kimi-VL-A3B-Instruct`);
  const url = `${hubEndpoint(options)}/api/models/${repo}/revision/${encodeURIComponent(revision)}?blobs=true`;
  let response: Response;
  try {
    response = await (options.fetch ?? fetch)(url, { headers: hubHeaders(options) });
  } catch (error) {
    throw new HubError(`cannot reach ${hubEndpoint(options)} (${(error as Error).message}); set HF_ENDPOINT to a mirror or check the network`);
  }
  if (response.status === 401 || response.status === 403) {
    throw new HubError(`${repo}@${revision}: access denied (${response.status}); set HF_TOKEN to a token that can read it`);
  }
  if (response.status === 404) throw new HubError(`${repo}@${revision}: not found on ${hubEndpoint(options)}`);
  if (!response.ok) throw new HubError(`${repo}@${revision}: the hub answered ${response.status} ${response.statusText}`);
  const body = (await response.json()) as {
    sha?: string;
    siblings?: { rfilename: string; size?: number; blobId?: string; lfs?: { sha256?: string; oid?: string; size?: number } }[];
  };
  if (typeof body.sha !== 'string' || !Array.isArray(body.siblings)) {
    throw new HubError(`${repo}@${revision}: unexpected answer from the hub (no sha / siblings)`);
  }
  return {
    repo,
    commit: body.sha,
    files: body.siblings.map((s) => ({
      path: s.rfilename,
      size: s.lfs?.size ?? s.size ?? -1,
      sha256: s.lfs?.sha256 ?? s.lfs?.oid,
      gitBlobId: s.lfs ? undefined : s.blobId,
    })),
  };
}

export function resolveUrl(repo: string, commit: string, path: string, options: HubOptions = {}): string {
  return `${hubEndpoint(options)}/${repo}/resolve/${commit}/${path.split('/').map(encodeURIComponent).join('/')}`;
}

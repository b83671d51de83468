/** Display, capture and input checks for the desktop the agent would drive. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { DesktopEnvironment } from '../env/desktop/environment.ts';
import type { CheckResult } from './report.ts';

const run = promisify(execFile);

async function has(command: string): Promise<boolean> {
  try {
    await run('which', [command]);
    return true;
  } catch {
    return false;
  }
}

export async function checkDesktop(display: string | undefined): Promise<CheckResult[]> {
  if (process.platform === 'linux' && !display) {
    return [{ name: 'display', status: 'fail', detail: 'DISPLAY is not set', fix: 'run inside a desktop session, or pass --display :N (Xvfb :N works)' }];
  }
  const results: CheckResult[] = [];
  if (process.platform === 'linux') {
    let extensions = '';
    try {
      extensions = (await run('xdpyinfo', ['-display', display!, '-queryExtensions'], { timeout: 5000 })).stdout;
    } catch (error) {
      return [{ name: 'display', status: 'fail', detail: `cannot open ${display}: ${(error as Error).message.split('\n')[0]}`, fix: `check that an X server runs on ${display} and that this user may connect (xhost / XAUTHORITY)` }];
    }
    results.push(
      /XTEST/.test(extensions)
        ? { name: 'input', status: 'ok', detail: 'XTEST extension present: mouse and keyboard can be driven' }
        : { name: 'input', status: 'fail', detail: 'the X server lacks the XTEST extension', fix: 'enable XTEST (Xvfb and Xorg have it by default)' },
    );
    results.push(
      (await has('xclip'))
        ? { name: 'clipboard', status: 'ok', detail: 'xclip found: non-ASCII text can be typed' }
        : { name: 'clipboard', status: 'warn', detail: 'xclip not found: typing non-ASCII text will fail', fix: 'apt-get install xclip' },
    );
  }
  const env = new DesktopEnvironment({ display });
  try {
    const displays = await env.displays();
    results.push({
      name: 'displays',
      status: displays.length > 0 ? 'ok' : 'fail',
      detail: displays.map((d) => `${d.id}${d.primary ? '*' : ''} ${d.width}x${d.height}@${d.scaleFactor}x at (${d.x},${d.y})`).join('; ') || 'none found',
    });
    for (const d of displays) {
      const started = performance.now();
      const observation = await env.observe(d.id);
      const ms = performance.now() - started;
      const { width, height, data } = observation.image;
      let nonBlack = 0;
      for (let i = 0; i < data.length; i += 3 * 97) if (data[i] | data[i + 1] | data[i + 2]) nonBlack++;
      results.push(
        width > 0 && height > 0
          ? {
              name: `capture ${d.id}`,
              status: nonBlack === 0 ? 'warn' : 'ok',
              detail: `${width}x${height} in ${ms.toFixed(0)} ms${nonBlack === 0 ? ', entirely black' : ''}`,
              fix: nonBlack === 0 ? 'a black capture usually means a remote session (RDP) or a missing screen-recording permission' : undefined,
            }
          : { name: `capture ${d.id}`, status: 'fail', detail: 'captured an empty image', fix: 'check screen-recording permission' },
      );
    }
  } finally {
    await env.dispose();
  }
  return results;
}

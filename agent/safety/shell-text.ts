/**
 * Typed text as a shell would read it, so text rules see `rm -rf` however it is spelled: quotes and
 * backslashes that a shell removes (`"rm"`, `r''m`, `r\m`), $IFS standing for a space, empty command
 * substitutions, brace lists (`{rm,-rf,~}`), GNU long options (`--recursive --force`), and look-alike
 * or invisible Unicode. Rules are matched against both this and the text as typed.
 */

const LONG_OPTIONS: Record<string, string> = { recursive: '-r', force: '-f', dir: '-d' };

export function shellText(text: string): string {
  return text
    .normalize('NFKC')
    .replace(/[\u200b-\u200d\u2060\ufeff\u00ad]/g, '')
    .replace(/\$\{IFS[^}]*\}|\$IFS(?![A-Za-z0-9_])/g, ' ')
    .replace(/\$\(\s*\)|``/g, '')
    .replace(/\\\n/g, '')
    .replace(/\$?['"]|\\/g, '')
    .replace(/\{([^{}\s,]*(?:,[^{}\s,]*)+)\}/g, (_, list: string) => list.replace(/,/g, ' '))
    .replace(/(^|\s)--([a-z][a-z-]*)(=\S*)?(?=\s|$)/gi, (_, space: string, name: string) => {
      const short = LONG_OPTIONS[name.toLowerCase()];
      return short === undefined ? space : `${space}${short}`;
    })
    .replace(/\s+/g, ' ');
}

/**
 * Where the shared reference data lives (the real Kimi-VL config, template and tokenizer; OSWorld task
 * files). Checkouts keep it beside the repository as ../shared, in development and in CI alike;
 * DESKPILOT_SHARED overrides.
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export const SHARED_DIR = process.env.DESKPILOT_SHARED ?? join(repoRoot, '..', 'shared');
export const KIMI_DATA_DIR = join(SHARED_DIR, 'data', 'kimi-vl');
export const KIMI_TOKENIZER_DIR = join(KIMI_DATA_DIR, 'tokenizer');
export const OSWORLD_EXAMPLES_DIR = join(SHARED_DIR, 'data', 'osworld-examples', 'examples');

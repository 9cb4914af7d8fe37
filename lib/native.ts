// The only module that loads the native addon. Everything else imports `native` from here.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Binding } from '../binding.js';

export type { NativeTensor, NativeDType, NativeDevice } from '../binding.js';

const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

function loadAddon(): Binding {
  // TENSORLIFT_ADDON points at another build of the same sources (e.g. the sanitizer build).
  const path = process.env.TENSORLIFT_ADDON || join(packageRoot, 'build', 'Release', 'tensorlift.node');
  if (!existsSync(path)) {
    throw new Error(
      `tensorlift: the native addon is not built (${path} is missing); run \`npm run build:native\` in the package folder`,
    );
  }
  return createRequire(import.meta.url)(path) as Binding;
}

export const native: Binding = loadAddon();

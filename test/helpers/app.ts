import { build, type AppOptions } from '../../src/server/app.js';
import { defaultConfig, configFromValue } from '../../src/config/load.js';
import type { EngineDeps } from '../../src/checks/engine.js';

/** An app with the default configuration (or the given one), no cluster, no registry. */
export async function testApp(config: unknown = undefined, extra: Partial<AppOptions> = {}) {
  const deps: EngineDeps = { config: config === undefined ? defaultConfig() : configFromValue(config, 'test') };
  return build({ deps: () => deps, ...extra });
}

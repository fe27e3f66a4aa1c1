// manifests/config.example.yaml documents every key with its default: parsing it must give exactly the
// defaults, and every key the schema knows must appear in it.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { CONFIG_SCHEMA } from '../../src/config/schema.js';
import { defaultConfig, parseConfig } from '../../src/config/load.js';

const text = readFileSync('manifests/config.example.yaml', 'utf8');

t.test('the example is valid and holds exactly the defaults', async (t) => {
  t.same(parseConfig(text, 'config.example.yaml'), defaultConfig());
});

t.test('every schema key appears in the example', async (t) => {
  const example = parse(text) as Record<string, unknown>;
  const walk = (schema: { properties?: Record<string, unknown> }, value: Record<string, unknown>, path: string) => {
    for (const [key, sub] of Object.entries(schema.properties ?? {})) {
      t.ok(Object.prototype.hasOwnProperty.call(value, key), `${path}${key} is documented`);
      const child = value[key];
      if ((sub as { properties?: unknown }).properties && typeof child === 'object' && child !== null) {
        walk(sub as { properties?: Record<string, unknown> }, child as Record<string, unknown>, `${path}${key}.`);
      }
    }
  };
  walk(CONFIG_SCHEMA as unknown as { properties: Record<string, unknown> }, example, '');
});

t.test('the deployed policy is valid', async (t) => {
  const deployed = parseConfig(readFileSync('manifests/base/config.yaml', 'utf8'), 'manifests/base/config.yaml');
  t.equal(deployed.mode, 'enforce');
});

import { register } from 'node:module';

register('./trace-imports.mjs', import.meta.url);

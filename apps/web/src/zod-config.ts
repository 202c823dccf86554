// Imported first by main.tsx: zod's JIT compiles parsers with `new Function`, which the server's
// Content-Security-Policy (script-src 'self') forbids; jitless parsing needs no eval at all. It must
// run before any schema is built, since zod decides per schema when it is created.
import { z } from 'zod';

z.config({ jitless: true });

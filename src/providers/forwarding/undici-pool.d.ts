/** undici's connection pool on its own (upstream-request.ts loads it without the rest of the package). */
declare module 'undici/lib/dispatcher/pool.js' {
  import type { Pool } from 'undici';

  const PoolClass: typeof Pool;
  export default PoolClass;
}

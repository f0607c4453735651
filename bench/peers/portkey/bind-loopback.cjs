// Preloaded into the Portkey gateway (node --require): its start script listens on every interface and
// has no host option, so each TCP listen that names no host, or the wildcard address, is bound to
// 127.0.0.1 here instead. The benchmark must never expose a port beyond this machine.
const net = require('node:net');

const WILDCARDS = new Set([undefined, null, '', '0.0.0.0', '::']);
const originalListen = net.Server.prototype.listen;

net.Server.prototype.listen = function listenOnLoopback(...args) {
  const [first, second] = args;
  if (first !== null && typeof first === 'object' && !Array.isArray(first)) {
    if (first.path === undefined && WILDCARDS.has(first.host)) args[0] = { ...first, host: '127.0.0.1' };
  } else if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
    if (typeof second === 'function' || typeof second === 'number') args.splice(1, 0, '127.0.0.1');
    else if (WILDCARDS.has(second)) args[1] = '127.0.0.1';
  }
  return originalListen.apply(this, args);
};

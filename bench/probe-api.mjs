import autocannon from 'autocannon';
import { startMock } from './lib/mock.mjs';

const mock = await startMock(process.argv.slice(2));
const url = mock.apiUrl(mock.defaults.sharded.instanceId, mock.defaults.sharded.backupId);
const r = await autocannon({ url, connections: 50, duration: 5, headers: { 'X-Auth-Token': 'bench-token' } });
console.log('rps', r.requests.average, 'non2xx', r.non2xx);
await mock.stop();

// The peer for bench/http: a bare Express 5 app on the same machine answering one JSON route, with the same
// JSON body parser and a payload of the card view's size, but no signature, database or logging.
import express from 'express';

const port = Number(process.env.PORT ?? 0);
const payload = JSON.parse(process.env.BARE_PAYLOAD ?? '{}') as unknown;
const app = express();
app.use(express.json());
app.get('/api/v1/deals/:dealId/card', (_req, res) => { res.json(payload); });
const server = app.listen(port, '127.0.0.1', () => process.send?.('ready'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));

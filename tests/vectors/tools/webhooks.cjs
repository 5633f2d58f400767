// Writes ../webhooks.json: webhook and interceptor deliveries signed with Node's crypto
// (an implementation independent of ours) and the verdict each must get. Every
// language's tests verify them with their own `verify_webhook_payload` at time `now`.
//
// Run from this folder: node webhooks.cjs
'use strict';
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');

const secret = 'whsec_' + Buffer.from('scalekit-auth webhook vector key!').toString('base64');
const otherSecret = 'whsec_' + Buffer.from('another key entirely............').toString('base64');
const now = 1767225600; // 2026-01-01T00:00:00Z
const body = JSON.stringify({
  spec_version: '1', id: 'evt_123', type: 'organization.created', occurred_at: '2026-01-01T00:00:00Z',
  environment_id: 'env_1', object: 'Organization', data: { id: 'org_1', display_name: 'Zoë & Co' },
});

const sign = (key, id, ts, payload) => {
  const raw = Buffer.from(key.split('_')[1], 'base64');
  return 'v1,' + crypto.createHmac('sha256', raw).update(`${id}.${ts}.${payload}`).digest('base64');
};
const headers = (prefix, id, ts, sig) => ({ [`${prefix}-id`]: id, [`${prefix}-timestamp`]: String(ts), [`${prefix}-signature`]: sig });

const good = sign(secret, 'msg_1', now, body);
const cases = [
  ['valid', 'webhook', secret, headers('webhook', 'msg_1', now, good), body, 'ok'],
  ['valid 299 s old', 'webhook', secret, headers('webhook', 'msg_1', now - 299, sign(secret, 'msg_1', now - 299, body)), body, 'ok'],
  ['valid with upper-case header names', 'webhook', secret,
    { 'Webhook-Id': 'msg_1', 'Webhook-Timestamp': String(now), 'Webhook-Signature': good }, body, 'ok'],
  ['several signatures, the last one valid', 'webhook', secret,
    headers('webhook', 'msg_1', now, `v1,${Buffer.alloc(32).toString('base64')} v2,abc ${good}`), body, 'ok'],
  ['tampered body', 'webhook', secret, headers('webhook', 'msg_1', now, good), body.replace('Zoë', 'Zoe'), 'webhook_invalid_signature'],
  ['tampered id', 'webhook', secret, headers('webhook', 'msg_2', now, good), body, 'webhook_invalid_signature'],
  ['wrong secret', 'webhook', otherSecret, headers('webhook', 'msg_1', now, good), body, 'webhook_invalid_signature'],
  ['expired (301 s old)', 'webhook', secret,
    headers('webhook', 'msg_1', now - 301, sign(secret, 'msg_1', now - 301, body)), body, 'webhook_timestamp_invalid'],
  ['from the future (301 s ahead)', 'webhook', secret,
    headers('webhook', 'msg_1', now + 301, sign(secret, 'msg_1', now + 301, body)), body, 'webhook_timestamp_invalid'],
  ['timestamp not a number', 'webhook', secret, headers('webhook', 'msg_1', 'yesterday', good), body, 'webhook_malformed'],
  ['signature header missing', 'webhook', secret, { 'webhook-id': 'msg_1', 'webhook-timestamp': String(now) }, body, 'webhook_malformed'],
  ['only unknown signature versions', 'webhook', secret, headers('webhook', 'msg_1', now, good.replace('v1,', 'v2,')), body, 'webhook_invalid_signature'],
  ['secret not base64', 'webhook', 'whsec_%%%', headers('webhook', 'msg_1', now, good), body, 'invalid_config'],
  ['interceptor valid', 'interceptor', secret, headers('interceptor', 'int_1', now, sign(secret, 'int_1', now, body)), body, 'ok'],
  ['interceptor with webhook headers', 'interceptor', secret, headers('webhook', 'msg_1', now, good), body, 'webhook_malformed'],
].map(([name, kind, key, hdrs, payload, expected]) => ({ name, kind, secret: key, headers: hdrs, body: payload, now, expected }));

fs.writeFileSync(path.join(__dirname, '..', 'webhooks.json'), JSON.stringify({ cases }, null, 2) + '\n');
console.log(`wrote ${cases.length} webhook cases`);

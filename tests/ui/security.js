// security.js - the web interface's refusals, tried with plain HTTP requests (no browser): every
// check of src/web/web.c that stands between a web page of another site, or a local program
// without the session, and the node, and the checks on files (src/web/web_file.c).
// Run by security.t:  node security.js SAMIZDAT HOME PASSFILE DIR (DIR holds the test's files)
'use strict';
const http = require('http');
const net = require('net');
const { execFileSync } = require('child_process');
const [, , SZ, HOME, PASSFILE, DIR] = process.argv;
const fs = require('fs');
let fails = 0;
const ok = (cond, what) => {
	if (cond) console.log('ok: ' + what);
	else { console.log('FAIL: ' + what); fails++; }
};
const link = () => execFileSync(SZ, ['--home', HOME, 'ui'], { stdio: ['ignore', 'pipe', 'ignore'] })
	.toString().trim();
const first = link();
const PORT = Number(new URL(first).port);
const HOST = '127.0.0.1:' + PORT;
const ORIGIN = 'http://' + HOST;
const seen = [];

// One request: raw control over every header (Host included).
function req(method, path, headers = {}, body = null, addr = '127.0.0.1') {
	return new Promise((resolve, reject) => {
		const h = Object.assign({ Host: HOST }, headers);
		if (body !== null && h['Content-Length'] === undefined) h['Content-Length'] = Buffer.byteLength(body);
		const r = http.request({ host: addr, port: PORT, method, path, headers: h, setHost: false }, (res) => {
			let data = '';
			res.on('data', (d) => { data += d; });
			res.on('end', () => {
				const out = { status: res.statusCode, headers: res.headers, body: data };
				seen.push(out);
				resolve(out);
			});
		});
		r.on('error', reject);
		if (body !== null) r.write(body);
		r.end();
	});
}
// A request written byte by byte (what no HTTP library lets one send): its status code.
function raw(text) {
	return new Promise((resolve) => {
		const s = net.connect({ host: '127.0.0.1', port: PORT }, () => s.write(text));
		let data = '';
		s.on('data', (d) => { data += d; });
		s.on('end', () => resolve(Number((data.match(/^HTTP\/1\.[01] (\d+)/) || [0, 0])[1])));
		s.on('error', () => resolve(0));
	});
}
const cookieOf = (res) => (res.headers['set-cookie'] || [''])[0].split(';')[0];

(async () => {
	// --- no session --------------------------------------------------------------------
	let r = await req('GET', '/');
	ok(r.status === 403, 'the page without a session is refused (403)');
	ok(!/fingerprint|union/.test(r.body), 'and shows nothing private');
	r = await req('GET', '/app.js');
	ok(r.status === 403, 'a script without a session is refused');
	r = await req('GET', '/api/cells');
	ok(r.status === 403 && JSON.parse(r.body).error === 'session', 'the API without a session is refused');
	r = await req('GET', '/open?t=' + '00'.repeat(32));
	ok(r.status === 403 && !r.headers['set-cookie'], 'a made-up link token gives no session');
	r = await req('GET', '/open');
	ok(r.status === 403, 'a link without a token gives no session');

	// --- the one-time link -------------------------------------------------------------
	const path = new URL(first).pathname + new URL(first).search;
	r = await req('GET', path, { Host: 'evil.example:' + PORT });
	ok(r.status === 421 && !r.headers['set-cookie'], 'the link under another Host name gives no session');
	r = await req('GET', path);
	ok(r.status === 303 && r.headers.location === '/', 'the link gives a session and leads to the page');
	const sc = (r.headers['set-cookie'] || [''])[0];
	ok(/HttpOnly/.test(sc), 'the session cookie is HttpOnly');
	ok(/SameSite=Strict/.test(sc), 'the session cookie is SameSite=Strict');
	ok(sc.startsWith('sz_' + PORT + '='), 'the cookie is named for this port (cookies ignore ports)');
	const C = cookieOf(r);
	r = await req('GET', path);
	ok(r.status === 403 && !r.headers['set-cookie'], 'the same link does not work twice');

	// --- with the session --------------------------------------------------------------
	r = await req('GET', '/', { Cookie: C });
	ok(r.status === 200 && /<html/.test(r.body), 'the page with the session');
	const html = r.body;
	r = await req('GET', '/api/session', { Cookie: C });
	ok(r.status === 200, 'the session call answers');
	const CSRF = JSON.parse(r.body).csrf;
	ok(/^[0-9a-f]{64}$/.test(CSRF), 'and gives the CSRF token');
	r = await req('GET', '/api/cells', { Cookie: 'sz_' + (PORT + 1) + '=' + C.split('=')[1] });
	ok(r.status === 403, 'a cookie under another port\'s name is not this session');
	r = await req('GET', '/api/cells', { Cookie: C.slice(0, -2) + '00' });
	ok(r.status === 403, 'a changed session cookie is refused');

	// --- DNS rebinding: the Host header -------------------------------------------------
	for (const h of ['evil.example:' + PORT, 'localhost:' + PORT, '127.0.0.1', '127.0.0.1:' + (PORT + 1),
		'[::1]:' + PORT, '']) {
		r = await req('GET', '/api/cells', { Cookie: C, Host: h });
		ok(r.status === 421, 'Host "' + h + '" is refused (421)');
	}
	let st = await raw('GET /api/cells HTTP/1.1\r\nHost: ' + HOST + '\r\nHost: evil.example\r\nCookie: ' + C +
		'\r\nConnection: close\r\n\r\n');
	ok(st === 421 || st === 400, 'two Host headers are refused (' + st + ')');
	st = await raw('GET /api/cells HTTP/1.0\r\nCookie: ' + C + '\r\n\r\n');
	ok(st === 421 || st === 400, 'a request without Host (HTTP/1.0) is refused (' + st + ')');
	st = await raw('GET http://evil.example/api/cells HTTP/1.1\r\nHost: ' + HOST + '\r\nCookie: ' + C +
		'\r\nConnection: close\r\n\r\n');
	ok(st !== 200, 'an absolute URL naming another host is not served (' + st + ')');

	// --- cross-site requests: Origin and Sec-Fetch-Site ---------------------------------
	for (const o of ['http://evil.example', 'null', 'http://127.0.0.1:' + (PORT + 1), 'http://localhost:' + PORT,
		'https://127.0.0.1:' + PORT]) {
		r = await req('GET', '/api/cells', { Cookie: C, Origin: o });
		ok(r.status === 403, 'Origin "' + o + '" is refused');
	}
	r = await req('GET', '/api/cells', { Cookie: C, Origin: ORIGIN });
	ok(r.status === 200, 'this server\'s own Origin is taken');
	for (const s of ['cross-site', 'same-site']) {
		r = await req('GET', '/api/cells', { Cookie: C, 'Sec-Fetch-Site': s });
		ok(r.status === 403, 'Sec-Fetch-Site "' + s + '" is refused (another port of 127.0.0.1 is same-site)');
	}
	r = await req('GET', '/api/cells', { Cookie: C, 'Sec-Fetch-Site': 'same-origin' });
	ok(r.status === 200, 'Sec-Fetch-Site "same-origin" is taken');

	// --- state changes ------------------------------------------------------------------
	const body = JSON.stringify({ name: 'union' });
	const J = { Cookie: C, 'Content-Type': 'application/json', 'X-CSRF-Token': CSRF };
	r = await req('POST', '/api/cell/create', { Cookie: C, 'Content-Type': 'application/json' }, body);
	ok(r.status === 403 && JSON.parse(r.body).error === 'csrf', 'a POST without the CSRF token is refused');
	r = await req('POST', '/api/cell/create', Object.assign({}, J, { 'X-CSRF-Token': '0'.repeat(64) }), body);
	ok(r.status === 403, 'a POST with a wrong CSRF token is refused');
	for (const t of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x',
		'application/jsonx', 'text/json']) {
		r = await req('POST', '/api/cell/create', Object.assign({}, J, { 'Content-Type': t }), body);
		ok(r.status === 415, 'a POST as ' + t + ' is refused (415)');
	}
	r = await req('POST', '/api/cell/create', Object.assign({}, J, { Origin: 'http://evil.example' }), body);
	ok(r.status === 403, 'a POST from another Origin is refused even with the token');
	r = await req('GET', '/api/cell/create', { Cookie: C });
	ok(r.status === 405, 'a state change by GET is refused (405)');
	r = await req('POST', '/api/cells', J, '{}');
	ok(r.status === 405, 'a read by POST is refused (405)');
	for (const m of ['PUT', 'DELETE', 'OPTIONS', 'PATCH']) {
		r = await req(m, '/api/cells', J, '{}');
		ok(r.status === 405, m + ' is refused (405)');
	}
	r = await req('POST', '/api/cell/create', J, 'name=union');
	ok(r.status === 400, 'a body that is not JSON is refused (400)');
	r = await req('POST', '/api/cell/create', J, '{"name":"a","name":"b"}');
	ok(r.status === 400, 'a JSON body with a repeated key is refused');
	r = await req('POST', '/api/cell/create', Object.assign({}, J, { 'Content-Length': String(300 << 10) }), '');
	ok(r.status === 413, 'a body announced over the limit is refused (413) before it is read');
	r = await req('POST', '/api/cell/create', J, body);
	ok(r.status === 200 && JSON.parse(r.body).ok === true, 'a POST with the JSON type and the token works');

	// --- files: attaching ------------------------------------------------------------------
	const CELL = JSON.parse(r.body).id;
	const photo = fs.readFileSync(DIR + '/photo.jpg');
	const hadGps = photo.includes('Secretova');
	const R = { Cookie: C, 'Content-Type': 'application/octet-stream', 'X-CSRF-Token': CSRF };
	const attachTo = '/api/attach?cell=' + CELL;
	r = await req('POST', attachTo, { 'Content-Type': 'application/octet-stream', 'X-CSRF-Token': CSRF }, photo);
	ok(r.status === 403 && JSON.parse(r.body).error === 'session', 'a file without a session is refused');
	r = await req('POST', attachTo, { Cookie: C, 'Content-Type': 'application/octet-stream' }, photo);
	ok(r.status === 403 && JSON.parse(r.body).error === 'csrf', 'a file without the CSRF token is refused');
	r = await req('POST', attachTo, Object.assign({}, R, { Host: 'evil.example:' + PORT }), photo);
	ok(r.status === 421, 'a file under another Host is refused (421)');
	r = await req('POST', attachTo, Object.assign({}, R, { Origin: 'http://evil.example' }), photo);
	ok(r.status === 403, 'a file from another Origin is refused, even with the token');
	for (const t of ['text/plain', 'multipart/form-data; boundary=x', 'application/x-www-form-urlencoded',
		'image/jpeg', 'application/json']) {
		r = await req('POST', attachTo, Object.assign({}, R, { 'Content-Type': t }), photo);
		ok(r.status === 415, 'a file sent as ' + t + ' is refused (415): only application/octet-stream');
	}
	r = await req('GET', attachTo, { Cookie: C });
	ok(r.status === 405, 'attaching by GET is refused (405)');
	st = await raw('POST ' + attachTo + ' HTTP/1.1\r\nHost: ' + HOST + '\r\nCookie: ' + C +
		'\r\nContent-Type: application/octet-stream\r\nX-CSRF-Token: ' + CSRF +
		'\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n4\r\nabcd\r\n0\r\n\r\n');
	ok(st === 411, 'a file sent without its length is refused (411, ' + st + ')');
	r = await req('POST', attachTo, Object.assign({}, R, { 'Content-Length': String((100 << 20) + 1) }), '');
	ok(r.status === 413, 'a file over 100 MiB is refused from its length, before it is read (413)');
	r = await req('POST', '/api/attach', R, photo);
	ok(r.status === 400, 'a file for nothing named (no cell, no leaflet) is refused');
	r = await req('POST', '/api/attach?cell=' + 'ab'.repeat(32), R, photo);
	ok(r.status === 404, 'a file for a cell one is not in is refused');
	r = await req('POST', attachTo, R, photo);
	let a = JSON.parse(r.body);
	ok(r.status === 200 && a.files[0].type === 'jpg' && a.files[0].state === 'complete', 'a photo is attached');
	ok(!hadGps || (a.gps === true && /GPS/.test(a.removed)), 'and its GPS position is said to be removed: ' + a.removed);
	const PHOTO = a.files[0].id;
	r = await req('GET', '/api/file?id=' + PHOTO, { Cookie: C });
	ok(r.status === 404, 'a file attached but named by no post is not served');
	r = await req('POST', '/api/leaflet', J, JSON.stringify({ text: 'x', signed_ok: true, files: [PHOTO] }));
	ok(r.status === 400 && JSON.parse(r.body).error === 'file', 'a file attached for a cell cannot go with a leaflet');
	r = await req('POST', '/api/post', J, JSON.stringify({ cell: CELL, text: 'x', files: ['cd'.repeat(32)] }));
	ok(r.status === 400 && JSON.parse(r.body).error === 'file', 'a post cannot name a file not attached from the page');
	r = await req('POST', '/api/post', J, JSON.stringify({ cell: CELL, text: 'x', files: PHOTO }));
	ok(r.status === 400, 'files that are not a list are refused');
	r = await req('POST', '/api/post', J, JSON.stringify({ cell: CELL, text: 'x', files: [PHOTO, PHOTO] }));
	ok(r.status === 400, 'the same file named twice is refused');
	r = await req('POST', '/api/post', J, JSON.stringify({ cell: CELL, text: 'Photo', files: [PHOTO] }));
	ok(r.status === 200, 'a post names the photo');
	r = await req('POST', '/api/post', J, JSON.stringify({ cell: CELL, text: 'again', files: [PHOTO] }));
	ok(r.status === 400, 'an attached file goes with one post only');

	// --- files: serving them back ----------------------------------------------------------
	r = await req('GET', '/api/file?id=' + PHOTO);
	ok(r.status === 403, 'a file without a session is refused');
	r = await req('GET', '/api/file?id=' + PHOTO, { Cookie: C, Host: 'localhost:' + PORT });
	ok(r.status === 421, 'a file under another Host is refused (421)');
	r = await req('GET', '/api/file?id=' + PHOTO, { Cookie: C, 'Sec-Fetch-Site': 'cross-site' });
	ok(r.status === 403, 'a file asked for by another site (an <img> elsewhere) is refused');
	const got = await new Promise((resolve, reject) => {
		http.get({ host: '127.0.0.1', port: PORT, path: '/api/file?id=' + PHOTO, headers: { Host: HOST, Cookie: C } },
			(res) => { const b = []; res.on('data', (d) => b.push(d)); res.on('end', () => resolve({ res, body: Buffer.concat(b) })); })
			.on('error', reject);
	});
	ok(got.res.statusCode === 200 && got.res.headers['content-type'] === 'image/jpeg', 'the photo is served as image/jpeg');
	ok(got.body[0] === 0xff && got.body[1] === 0xd8 && !got.body.includes('Secretova') && !got.body.includes('GPS'),
		'its bytes are a JPEG without the name or the GPS position');
	ok(/^inline/.test(got.res.headers['content-disposition'] || '') && got.res.headers['x-content-type-options'] === 'nosniff',
		'inline, nosniff');
	ok(/sandbox/.test(got.res.headers['content-security-policy'] || ''), 'a file is served under a sandboxing CSP');
	r = await req('GET', '/api/file?id=' + PHOTO + '&download=1', { Cookie: C });
	ok(/^attachment; filename="samizdat-[0-9a-f]{16}\.jpg"$/.test(r.headers['content-disposition'] || ''),
		'asked as a download, it comes as an attachment with a name of its own');
	for (const bad of ['../../key', '..%2F..%2Fkey', PHOTO.toUpperCase(), PHOTO.slice(0, 16), PHOTO + '00',
		'/etc/passwd', PHOTO.slice(0, 63) + 'g', '']) {
		r = await req('GET', '/api/file?id=' + bad, { Cookie: C });
		ok(r.status === 400, 'no file for the id "' + bad.slice(0, 24) + '" (400)');
	}
	r = await req('GET', '/api/file?id=' + '00'.repeat(32), { Cookie: C });
	ok(r.status === 404, 'an id no post names finds nothing (404)');
	for (const p of ['/api/file/../../key', '/api/file/' + PHOTO, '/../key', '/api/../key']) {
		r = await req('GET', p, { Cookie: C });
		ok(r.status === 404 && !/pw-ada/.test(r.body), 'the path ' + p + ' reaches no file');
	}
	// An SVG and an HTML page: refused without the person's word; sent as they are, then never
	// served as what they would run as.
	for (const [f, type] of [['evil.svg', 'image/svg+xml'], ['evil.html', 'text/html']]) {
		const bytes = fs.readFileSync(DIR + '/' + f);
		r = await req('POST', attachTo, R, bytes);
		ok(r.status === 422 && JSON.parse(r.body).error === 'metadata', f + ' is not sent without the person\'s word');
		r = await req('POST', attachTo + '&as_is=1', R, bytes);
		a = JSON.parse(r.body);
		ok(r.status === 200 && a.sent_as_is === true, f + ' is sent as it is when the person says so');
		r = await req('POST', '/api/post', J, JSON.stringify({ cell: CELL, text: f, files: [a.files[0].id] }));
		r = await req('GET', '/api/file?id=' + a.files[0].id, { Cookie: C });
		ok(r.status === 200 && r.headers['content-type'] === 'application/octet-stream' &&
			/^attachment/.test(r.headers['content-disposition'] || '') && !r.headers['content-type'].includes(type),
		f + ' is served only as a download (application/octet-stream, attachment), never as ' + type);
	}
	// ben's leaflet: a part of it here (ada's quota of 1 MiB, passed by at most one batch).
	r = await req('GET', '/api/leaflets', { Cookie: C });
	const big = JSON.parse(r.body).leaflets.map((l) => (l.files || [])[0]).find((f) => f);
	ok(big && big.state === 'incomplete' && big.have < big.parts, 'the file held in part is listed as incomplete (' +
		(big ? big.have + ' of ' + big.parts : '?') + ')');
	r = await req('GET', '/api/file?id=' + (big ? big.id : ''), { Cookie: C });
	ok(r.status === 409 && JSON.parse(r.body).error === 'incomplete' && r.body.length < 400,
		'an incomplete file is not served, not even in part (409)');

	// --- invitations, keys, courier joins ---------------------------------------------------
	for (const p of ['/api/invite/revoke', '/api/update', '/api/join/request', '/api/join/answer', '/api/admit']) {
		r = await req('POST', p, { 'Content-Type': 'application/json', 'X-CSRF-Token': CSRF }, '{}');
		ok(r.status === 403 && JSON.parse(r.body).error === 'session', p + ' without a session is refused');
		r = await req('POST', p, { Cookie: C, 'Content-Type': 'application/json' }, '{}');
		ok(r.status === 403 && JSON.parse(r.body).error === 'csrf', p + ' without the CSRF token is refused');
		r = await req('GET', p, { Cookie: C });
		ok(r.status === 405, p + ' by GET is refused (405)');
		r = await req('POST', p, Object.assign({}, J, { Origin: 'http://evil.example' }), '{}');
		ok(r.status === 403, p + ' from another Origin is refused');
	}
	const code = execFileSync(SZ, ['--home', HOME, '--passphrase-file', PASSFILE, 'cell', 'invite', 'union'],
		{ stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
	r = await req('POST', '/api/invite/revoke', J, JSON.stringify({ code: 'sz1-nonsense' }));
	ok(r.status === 400, 'revoking what is not a code is refused (400)');
	r = await req('POST', '/api/join/request', J, JSON.stringify({ code: code.slice(0, -3) + (code.slice(-3) === 'aaa' ? 'bbb' : 'aaa') }));
	ok(r.status === 400, 'a code with a typo makes no join request (400)');
	r = await req('POST', '/api/admit', J, JSON.stringify({ data: '!!!not base64' }));
	ok(r.status === 400, 'a join request that is not base64 is refused (400)');
	r = await req('POST', '/api/admit', J, JSON.stringify({ data: Buffer.from('x'.repeat(300)).toString('base64') }));
	ok(r.status >= 400 && r.status < 500 && !JSON.parse(r.body).file, 'a made-up join request gets no answer file (' + r.status + ')');
	r = await req('POST', '/api/join/answer', J, JSON.stringify({ code, data: Buffer.from('y'.repeat(300)).toString('base64') }));
	ok(r.status >= 400 && r.status < 500, 'a made-up answer joins nothing (' + r.status + ')');
	r = await req('POST', '/api/update', J, JSON.stringify({ cell: 'ab'.repeat(32) }));
	ok(r.status === 404, 'renewing keys in a cell one is not in is refused (404)');
	r = await req('POST', '/api/update', J, JSON.stringify({ cell: CELL }));
	ok(r.status === 200, 'renewing one\'s keys in a cell');
	r = await req('POST', '/api/invite/revoke', J, JSON.stringify({ code }));
	ok(r.status === 200 && JSON.parse(r.body).revoked === 'code', 'an invitation is taken back');
	r = await req('POST', '/api/join/request', J, JSON.stringify({ code }));
	ok(r.status === 200 && JSON.parse(r.body).file, '(a join request can still be written: the inviter decides)');

	// --- a second session's token is not this one's ------------------------------------
	r = await req('GET', new URL(link()).pathname + new URL(link()).search);
	r = await req('GET', (() => { const u = new URL(link()); return u.pathname + u.search; })());
	const C2 = cookieOf(r);
	const CSRF2 = JSON.parse((await req('GET', '/api/session', { Cookie: C2 })).body).csrf;
	r = await req('POST', '/api/cell/create', Object.assign({}, J, { 'X-CSRF-Token': CSRF2 }), body);
	ok(CSRF2 !== CSRF && r.status === 403, 'another session\'s CSRF token is refused');
	r = await req('POST', attachTo, Object.assign({}, R, { Cookie: C2, 'X-CSRF-Token': CSRF2 }), photo);
	const other = JSON.parse(r.body).files[0].id;
	r = await req('POST', '/api/post', J, JSON.stringify({ cell: CELL, text: 'x', files: [other] }));
	ok(r.status === 400, 'a file attached in another session cannot be named in this one');

	r = await req('POST', '/api/create', J, JSON.stringify({ passphrase: 'another passphrase here' }));
	ok(r.status === 409, 'a node cannot be created over the one that is here');

	// --- locks with the node --------------------------------------------------------------
	r = await req('POST', '/api/lock', J, '{}');
	ok(r.status === 200, 'lock');
	r = await req('GET', '/api/cells', { Cookie: C });
	ok(r.status === 423, 'a locked node answers nothing private (423)');
	r = await req('GET', '/api/session', { Cookie: C });
	ok(JSON.parse(r.body).locked === true && !('fingerprint' in JSON.parse(r.body)), 'the session says locked, and no fingerprint');
	r = await req('POST', '/api/unlock', J, JSON.stringify({ passphrase: 'not it' }));
	ok(r.status === 403 && JSON.parse(r.body).error === 'passphrase', 'a wrong passphrase does not unlock');
	const pass = require('fs').readFileSync(PASSFILE, 'utf8').replace(/\n$/, '');
	r = await req('POST', '/api/unlock', J, JSON.stringify({ passphrase: pass }));
	ok(r.status === 200, 'the passphrase unlocks');
	r = await req('GET', '/api/cells', { Cookie: C });
	ok(r.status === 200 && /union/.test(r.body), 'and the cells show again');

	// --- a change of passphrase: the one in use first; a weak one told, kept only if insisted -----
	const strong = 'a new moon over seven hills', weakp = 'password12345';
	const change = (body, headers = J) => req('POST', '/api/passphrase', headers, JSON.stringify(body));
	r = await change({ current: pass, passphrase: strong }, { Cookie: C, 'Content-Type': 'application/json' });
	ok(r.status === 403, 'a change of passphrase without the CSRF token is refused');
	r = await change({ current: 'not it', passphrase: strong });
	ok(r.status === 403 && JSON.parse(r.body).error === 'passphrase', 'a change needs the passphrase in use');
	r = await change({ passphrase: strong });
	ok(r.status === 400, 'a change without the passphrase in use is refused');
	r = await change({ current: pass, passphrase: weakp });
	ok(r.status === 400 && JSON.parse(r.body).error === 'weak' && /2\^\d+ guesses/.test(JSON.parse(r.body).message),
		'a weak new passphrase is refused, with how weak (' + JSON.parse(r.body).message.slice(0, 60) + '…)');
	r = await change({ current: pass, passphrase: 'short', weak_ok: true });
	ok(r.status === 400 && JSON.parse(r.body).error === 'short', 'insisting does not take one under 10 characters');
	r = await change({ current: pass, passphrase: weakp, weak_ok: true });
	ok(r.status === 200, 'a weak one is kept when the person insists');
	r = await change({ current: pass, passphrase: strong });
	ok(r.status === 403, 'the old passphrase no longer counts as the one in use');
	r = await change({ current: weakp, passphrase: strong });
	ok(r.status === 200, 'changed again, to a strong one');
	await req('POST', '/api/lock', J, '{}');
	r = await req('POST', '/api/unlock', J, JSON.stringify({ passphrase: pass }));
	ok(r.status === 403, 'after the change the old passphrase does not unlock');
	r = await req('POST', '/api/unlock', J, JSON.stringify({ passphrase: strong }));
	ok(r.status === 200, 'the new one does');

	// --- what every answer carries -------------------------------------------------------
	// (a file answers under a CSP that also sandboxes it: no script at all, not even ours)
	const csp = seen.every((x) => /default-src 'none'/.test(x.headers['content-security-policy'] || '') &&
		/script-src 'self'|; sandbox;/.test(x.headers['content-security-policy']) &&
		/frame-ancestors 'none'/.test(x.headers['content-security-policy']));
	ok(csp, 'every answer (' + seen.length + ') carries the strict CSP');
	ok(seen.every((x) => x.headers['cache-control'] === 'no-store'), 'every answer says no-store');
	ok(seen.every((x) => x.headers['x-content-type-options'] === 'nosniff'), 'every answer says nosniff');
	ok(seen.every((x) => !x.headers['access-control-allow-origin']), 'no answer allows another origin (CORS)');

	// --- no inline script or style in the page -------------------------------------------
	const scripts = html.match(/<script\b[^>]*>[\s\S]*?<\/script>/gi) || [];
	ok(scripts.length > 0 && scripts.every((s) => /\bsrc="\/[a-z_]+\.js"/.test(s) && /<script[^>]*><\/script>/.test(s)),
		'every script of the page is a file of this server, none inline');
	ok(!/\son[a-z]+\s*=/i.test(html), 'no inline event handler in the page');
	ok(!/\sstyle\s*=/i.test(html), 'no inline style in the page');
	ok(!/(src|href)="(https?:)?\/\//i.test(html), 'nothing loaded from elsewhere');

	// --- only on 127.0.0.1 ---------------------------------------------------------------
	const refused = await new Promise((resolve) => {
		const s = net.connect({ host: '127.0.0.2', port: PORT });
		s.on('connect', () => { s.destroy(); resolve(false); });
		s.on('error', () => resolve(true));
	});
	ok(refused, 'nothing answers on another address (127.0.0.2) at that port');

	console.log(fails === 0 ? 'all checks passed' : fails + ' check(s) failed');
	process.exit(fails === 0 ? 0 : 1);
})().catch((e) => { console.log('FAIL: ' + e.stack); process.exit(1); });

// browser.js - two people use samizdat through its web interface in Chromium (run by browser.t,
// which starts the daemons): ada unlocks and starts a cell, invites ben through the page, ben
// joins by pasting the code; they post and reply, new posts appearing without a reload; with
// cat, who uses the command line, they vote and both pages show the same tally; ada removes ben,
// who reads nothing new; ada attaches a photo and a PDF, ben sees one and downloads the other;
// ada takes back an invitation and renews her keys; dan joins by courier files; ada publishes a leaflet; ben wipes his node.  Accessibility is checked
// on the way: labels, keyboard, 200 % zoom, a phone's width, both themes.
'use strict';
const { chromium } = require('playwright-core');
const { execFileSync } = require('child_process');
const fs = require('fs');

const E = process.env;
const SHOTS = E.SZ_SHOTS;
let fails = 0;
const ok = (cond, what) => {
	console.log((cond ? 'ok: ' : 'FAIL: ') + what);
	if (!cond) fails++;
};
// samizdat at the command line as one of them (through their daemon).
const sz = (who, ...args) => execFileSync(E.SZ_BIN, ['--home', E.SZ_W + '/' + who, '--passphrase-file',
	E.SZ_W + '/' + who + '.pw', ...args], { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
const shot = (page, name) => page.screenshot({ path: SHOTS + '/' + name + '.png', fullPage: true });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Wait until fn() is true (polling), or fail after ms.
async function until(fn, ms, what) {
	const end = Date.now() + ms;
	for (;;) {
		try {
			if (await fn())
				return true;
		} catch (e) { /* not yet */ }
		if (Date.now() > end) {
			ok(false, 'in time: ' + what);
			return false;
		}
		await sleep(250);
	}
}

// Every control has a label; every button says what it does.
async function labelled(page, where) {
	const bad = await page.evaluate(() => {
		const out = [];
		for (const el of document.querySelectorAll('input, select, textarea')) {
			if (el.type === 'hidden') continue;
			if (!(el.labels && el.labels.length) && !el.getAttribute('aria-label')) out.push(el.outerHTML.slice(0, 80));
		}
		for (const b of document.querySelectorAll('button, a[href]'))
			if (!b.textContent.trim() && !b.getAttribute('aria-label') && !b.querySelector('img[alt]:not([alt=""])'))
				out.push(b.outerHTML.slice(0, 80));
		return out;
	});
	ok(bad.length === 0, 'every control is labelled: ' + where + (bad.length ? ' ' + bad.join(' | ') : ''));
}

// Nothing is wider than the window (200 % zoom, a phone).
async function fits(page, where) {
	const w = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
	ok(w <= 1, 'nothing runs off the side: ' + where + ' (' + w + ' px)');
}

async function syncBen(page) {
	await page.goto(E.SZ_URL_BEN.replace(/\/open\?.*/, '/#/'));
	await page.getByRole('button', { name: 'Sync now' }).first().click();
	await until(async () => /Synced|refused|broke|cannot/.test(await page.locator('#status').innerText()), 30000,
		'ben\'s sync ends');
}

(async () => {
	const browser = await chromium.launch({ executablePath: E.CHROMIUM, args: ['--no-sandbox'] });
	const ctxA = await browser.newContext({ viewport: { width: 1100, height: 900 } });
	const ctxB = await browser.newContext({ viewport: { width: 1100, height: 900 } });
	const A = await ctxA.newPage();
	const B = await ctxB.newPage();
	const errors = [];
	for (const [who, p] of [['ada', A], ['ben', B]]) {
		p.on('pageerror', (e) => errors.push(who + ': ' + e.message));
		p.on('console', (m) => { if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) errors.push(who + ': ' + m.text()); });
	}

	// --- dan: nothing set up yet; the page does it ----------------------------------------------
	const ctxD = await browser.newContext({ viewport: { width: 1100, height: 900 } });
	const D = await ctxD.newPage();
	D.on('pageerror', (e) => errors.push('dan: ' + e.message));
	await D.goto(E.SZ_URL_DAN);
	await D.getByRole('heading', { name: 'Welcome to samizdat' }).waitFor();
	await labelled(D, 'first start');
	await shot(D, '00-welcome');
	await D.getByLabel('Choose a passphrase').fill('short');
	await D.getByLabel('The same passphrase again').fill('short');
	await D.getByRole('button', { name: 'Set up samizdat' }).click();
	await sleep(300);
	ok((await D.getByRole('heading', { name: 'Welcome to samizdat' }).count()) === 1, 'a short passphrase is not taken');
	await D.getByLabel('Choose a passphrase').fill('password12345');
	await D.getByLabel('The same passphrase again').fill('password12345');
	await D.getByRole('button', { name: 'Set up samizdat' }).click();
	await until(async () => /weak: whoever takes this computer could guess it in [a-z0-9 ]+ \(about 2\^\d+ guesses/.test(await D.locator('.form-error').innerText()), 10000,
		'a weak passphrase is refused, with how weak');
	ok(await D.getByLabel(/Keep this weak passphrase anyway/).isVisible(), 'and only then the page offers to keep it anyway');
	await shot(D, '00-welcome-weak');
	await D.getByLabel('Choose a passphrase').fill('three quiet rivers at dawn');
	await D.getByLabel('The same passphrase again').fill('three quiet rivers at dawn!');
	await D.getByRole('button', { name: 'Set up samizdat' }).click();
	await until(async () => /differ/.test(await D.locator('.form-error').innerText()), 5000, 'two different passphrases are told');
	await D.getByLabel('The same passphrase again').fill('three quiet rivers at dawn');
	await D.getByRole('button', { name: 'Set up samizdat' }).click();
	await D.getByRole('heading', { name: 'Your cells' }).waitFor({ timeout: 60000 });
	ok(/fingerprint is [a-z0-9]{4} /.test(await D.locator('#status').innerText()), 'dan\'s samizdat is set up from the page, his fingerprint shown');
	await ctxD.close();

	// --- ada: the link, then the unlock page ------------------------------------------------
	await A.goto(E.SZ_URL_ADA);
	ok(A.url().endsWith('/') && !A.url().includes('?t='), 'the link leads to the page and leaves no token in the address');
	await A.getByLabel('Passphrase').waitFor();
	await labelled(A, 'unlock');
	await shot(A, '01-unlock');
	await A.getByLabel('Passphrase').fill('wrong passphrase');
	await A.getByRole('button', { name: 'Unlock' }).click();
	await until(async () => /does not open/.test(await A.locator('.form-error').innerText()), 10000, 'a wrong passphrase is told');
	await A.getByLabel('Passphrase').fill(fs.readFileSync(E.SZ_W + '/ada.pw', 'utf8').trim());
	await A.keyboard.press('Enter');
	await A.getByRole('heading', { name: 'Your cells' }).waitFor();
	ok(true, 'ada unlocks with the keyboard (Enter)');

	// --- ada starts a cell and invites ben ----------------------------------------------------
	await A.getByLabel('Name of the cell').fill('union');
	await A.getByRole('button', { name: 'Create' }).click();
	await A.getByRole('heading', { name: 'Invite someone' }).waitFor();
	await A.getByLabel('Who is it for?').fill('Ben');
	await A.getByRole('button', { name: 'Make an invitation' }).click();
	await A.locator('#invite-code').waitFor();
	const code = await A.locator('#invite-code').inputValue();
	ok(/^sz1-/.test(code), 'the page gives an invitation code');
	ok(await A.locator('svg.qr path').count() === 1, 'and its QR code, drawn as SVG');
	await labelled(A, 'invite');
	await shot(A, '02-invite');

	// --- ben joins by pasting it --------------------------------------------------------------
	await B.goto(E.SZ_URL_BEN);
	await B.getByRole('heading', { name: 'Your cells' }).waitFor();
	await shot(B, '03-no-cells');
	await B.getByLabel('Invitation code').fill('  ' + code + '\n');
	await B.getByRole('button', { name: 'Join', exact: true }).click();
	await until(async () => /You joined/.test(await B.locator('#status').innerText()), 60000, 'ben joins');
	await until(async () => (await B.locator('.cell-link').count()) === 1, 10000, 'ben sees the cell');
	ok((await B.locator('.cell-link').innerText()).includes('union'), 'ben is in "union"');

	// cat joins at the command line, and everyone meets ada a few times (enrollments travel).
	// an invitation made by mistake is taken back
	await A.getByLabel('Who is it for?').fill('Eve');
	await A.getByRole('button', { name: 'Make an invitation' }).click();
	await until(async () => (await A.locator('#invite-code').inputValue()) !== code, 10000, 'a second invitation');
	await A.getByRole('button', { name: 'Take this invitation back' }).click();
	await A.locator('dialog[open]').waitFor();
	ok(/cannot be undone/.test(await A.locator('dialog').innerText()), 'taking an invitation back says it cannot be undone');
	await shot(A, '02b-revoke-confirm');
	await A.locator('dialog').getByRole('button', { name: 'Take it back' }).click();
	await until(async () => /Taken back: the code no longer works/.test(await A.locator('#status').innerText()), 10000,
		'the invitation is taken back');
	ok((await A.locator('#invite-code').count()) === 0, 'and its code is gone from the page');
	await labelled(A, 'invite, with revoking and courier answers');
	const catCode = sz('ada', 'cell', 'invite', 'union').trim();
	sz('cat', 'cell', 'join', catCode);
	for (let i = 0; i < 3; i++) {
		await syncBen(B);
		sz('cat', 'sync', E.SZ_ADA);
	}

	// --- a post and a reply ---------------------------------------------------------------------
	await A.goto(A.url().replace(/#.*/, '') + '#/');
	await A.locator('.cell-link').first().click();
	await A.getByLabel('Write to the cell').fill('Meeting at the usual place on Thursday.');
	await A.getByRole('button', { name: 'Post', exact: true }).click();
	await until(async () => (await A.locator('article.post').count()) === 1, 10000, 'ada sees her post');
	await syncBen(B);
	await B.locator('.cell-link').first().click();
	await until(async () => (await B.locator('article.post').count()) === 1, 10000, 'ben sees ada\'s post');
	ok(/usual place/.test(await B.locator('article.post').innerText()), 'ben reads it');
	ok((await B.locator('article.post.unread').count()) === 1, 'it is marked new for ben');
	await B.getByRole('button', { name: 'Reply' }).click();
	await B.getByLabel(/Your reply to/).fill('I will be there.');
	await B.getByRole('button', { name: 'Send reply' }).click();
	await until(async () => (await B.locator('.replies article.post').count()) === 1, 10000, 'ben\'s reply is under the post');
	await labelled(B, 'conversation');
	await shot(B, '04-conversation');
	const cellUrlB = B.url();
	await syncBen(B);
	// ada's page shows the reply without a reload, with the name she gave ben.
	await until(async () => (await A.locator('.replies article.post').count()) === 1, 20000,
		'the reply appears on ada\'s page by itself');
	ok(/Ben/.test(await A.locator('.replies article.post header').innerText()),
		'ada sees the name she gave ben when she invited him');
	await until(async () => (await A.locator('article.post.unread').count()) === 1, 5000, 'ada sees the reply as new');
	await shot(A, '05-conversation-reply');

	// keyboard: a post from ada typed and sent without the mouse
	await A.getByLabel('Write to the cell').focus();
	await A.keyboard.type('Bring the leaflets.');
	await A.keyboard.press('Tab'); // the file input
	await A.keyboard.press('Tab'); // Post
	await A.keyboard.press('Enter');
	await until(async () => (await A.locator('article.post').count()) === 3, 10000, 'ada posts with the keyboard alone');

	// --- files: a photo with a GPS position and a PDF, attached in ada's page -------------------
	await A.getByLabel('Attach files (optional)').setInputFiles(E.SZ_TXT);
	await A.getByLabel('Write to the cell').fill('My notes');
	await A.getByRole('button', { name: 'Post', exact: true }).click();
	await A.locator('dialog[open]').waitFor();
	ok(/hidden details/.test(await A.locator('dialog').innerText()), 'a file samizdat cannot clean is not sent without asking');
	await A.locator('dialog').getByRole('button', { name: 'Cancel' }).click();
	await until(async () => /Nothing was posted/.test(await A.locator('#status').innerText()), 5000, 'cancelled: nothing posted');
	ok((await A.locator('article.post').count()) === 3, 'and no post was made');
	await A.getByLabel('Attach files (optional)').setInputFiles([E.SZ_PHOTO, E.SZ_PDF]);
	await A.getByLabel('Write to the cell').fill('Photos from the picket, and the call.');
	await A.getByRole('button', { name: 'Post', exact: true }).click();
	await until(async () => (await A.locator('article.post').count()) === 4, 20000, 'ada posts the files');
	const said = await A.locator('#status').innerText();
	ok(/picket\.jpg: removed EXIF \(with a GPS position\)/.test(said), 'ada is told the GPS position went: ' + said);
	ok(/call\.pdf: removed .*document information/.test(said), 'and the PDF\'s document information');
	await until(async () => A.evaluate(() => { const i = document.querySelector('.file img'); return i && i.complete && i.naturalWidth === 640; }),
		10000, 'ada sees her photo in the page');
	await labelled(A, 'a post with files');
	await shot(A, '05b-attach');
	await syncBen(B);
	await B.goto(cellUrlB);
	await until(async () => B.evaluate(() => { const i = document.querySelector('.file img'); return i && i.complete && i.naturalWidth === 640; }),
		20000, 'ben sees the photo inline after the sync');
	const src = await B.locator('.file img').getAttribute('src');
	ok(/^\/api\/file\?id=[0-9a-f]{64}$/.test(src), 'it comes from the daemon, not from elsewhere: ' + src);
	const clean = await B.evaluate(async (u) => {
		const b = new Uint8Array(await (await fetch(u)).arrayBuffer());
		const s = Array.from(b, (c) => String.fromCharCode(c)).join('');
		return b[0] === 0xff && b[1] === 0xd8 && !/Secretova|SecretCam|GPS/.test(s);
	}, src);
	ok(clean, 'the photo ben gets is a JPEG without ada\'s name, her camera or the GPS position');
	const pdfLink = B.getByRole('link', { name: /Download samizdat-[0-9a-f]+\.pdf/ });
	const [pdl] = await Promise.all([B.waitForEvent('download'), pdfLink.click()]);
	const pdfGot = E.SZ_W + '/ben-call.pdf';
	await pdl.saveAs(pdfGot);
	const pdfBytes = fs.readFileSync(pdfGot);
	ok(pdfBytes.slice(0, 5).toString() === '%PDF-' && !pdfBytes.includes('Secretova') && !pdfBytes.includes('Strike call'),
		'ben downloads the PDF, without its author or title (' + pdl.suggestedFilename() + ')');
	await labelled(B, 'files');
	await shot(B, '05c-picture');

	// --- members -----------------------------------------------------------------------------
	await A.getByRole('link', { name: 'Members' }).click();
	await A.getByRole('button', { name: 'Remove Ben' }).waitFor();
	await labelled(A, 'members');
	await shot(A, '06-members');
	await A.getByRole('button', { name: 'Renew my keys' }).click();
	await A.locator('dialog[open]').waitFor();
	ok(/cannot be undone/.test(await A.locator('dialog').innerText()), 'renewing keys asks first');
	await A.locator('dialog').getByRole('button', { name: 'Renew my keys' }).click();
	await until(async () => /keys are renewed/.test(await A.locator('#status').innerText()), 10000, 'ada renews her keys');

	// --- a vote ----------------------------------------------------------------------------------
	await A.getByRole('link', { name: 'Decisions' }).click();
	await A.getByLabel('Question').fill('Strike on Thursday?');
	await A.getByLabel('Hours to vote').fill('2');
	let proposed = false;
	for (let i = 0; i < 5 && !proposed; i++) {
		await A.getByRole('button', { name: 'Put it to a vote' }).click();
		proposed = await until(async () => (await A.locator('article.decision').count()) === 1 ||
			/ring is too small/.test(await A.locator('form.card').first().innerText()), 10000, 'the proposal is made or refused');
		proposed = (await A.locator('article.decision').count()) === 1;
		if (!proposed) {
			await syncBen(B);
			sz('cat', 'sync', E.SZ_ADA);
		}
	}
	ok(proposed, 'ada puts a question to a vote');
	const pid = await A.locator('article.decision').getAttribute('data-id');
	await syncBen(B);
	sz('cat', 'sync', E.SZ_ADA);
	await B.goto(cellUrlB.replace(/\/talk$|$/, '').replace(/\/$/, '') + '/decide');
	await B.locator('article.decision').waitFor();
	await B.getByRole('radio', { name: 'yes' }).check();
	await B.getByLabel('Send it at once').check();
	await B.getByRole('button', { name: 'Vote', exact: true }).click();
	await until(async () => /vote is sent/.test(await B.locator('#status').innerText()), 10000, 'ben votes');
	await A.getByRole('radio', { name: 'no' }).check();
	await A.getByLabel('Send it at once').check();
	await A.getByRole('button', { name: 'Vote', exact: true }).click();
	await until(async () => /vote is sent/.test(await A.locator('#status').innerText()), 10000, 'ada votes');
	sz('cat', 'sync', E.SZ_ADA);
	sz('cat', 'vote', 'union', pid.slice(0, 16), 'yes', '--now');
	sz('cat', 'sync', E.SZ_ADA);
	await syncBen(B);
	await B.goto(cellUrlB.replace(/\/talk$|$/, '').replace(/\/$/, '') + '/decide');
	const tally = async (p) => (await p.locator('article.decision table.tally').innerText()).replace(/\s+/g, ' ');
	await until(async () => /3 of 3 have voted/.test(await tally(A)), 20000, 'ada\'s page counts three votes');
	await until(async () => /3 of 3 have voted/.test(await tally(B)), 20000, 'ben\'s page counts three votes');
	const ta = await tally(A), tb = await tally(B);
	ok(ta === tb, 'ada and ben see the same tally: ' + ta);
	ok(/yes 2/.test(ta) && /no 1/.test(ta), 'two for yes, one for no');
	ok(/Leading so far: yes/.test(await A.locator('article.decision').innerText()), 'yes leads');
	await labelled(A, 'decisions');
	await shot(A, '07-vote');

	// --- a threshold pledge and a declaration ---------------------------------------------------------
	await A.getByLabel('What people pledge to').fill('I stop work on Monday if 2 of us do.');
	await A.getByLabel('How many must pledge').fill('2');
	await A.getByRole('button', { name: 'Call for pledges' }).click();
	const pledgeA = A.locator('article.decision', { hasText: 'I stop work on Monday' });
	await pledgeA.waitFor();
	await pledgeA.getByLabel('Send it at once').check();
	await pledgeA.getByRole('button', { name: 'Pledge', exact: true }).click();
	await until(async () => /You have pledged|leaves soon/.test(await pledgeA.innerText()), 10000, 'ada pledges');
	await A.getByLabel('Title').fill('We stand with the bakers');
	await A.getByLabel('Text', { exact: true }).fill('The bakers of this town have our support.');
	await A.getByRole('button', { name: 'Declare' }).click();
	await A.locator('article.decision', { hasText: 'We stand with the bakers' }).waitFor();
	await syncBen(B);
	await B.goto(cellUrlB.replace(/\/talk$|$/, '').replace(/\/$/, '') + '/decide');
	const pledgeB = B.locator('article.decision', { hasText: 'I stop work on Monday' });
	await pledgeB.waitFor();
	ok(/1 of the 2 needed have pledged/.test(await pledgeB.innerText()), 'ben sees one pledge of the two needed');
	await pledgeB.getByLabel('Send it at once').check();
	await pledgeB.getByRole('button', { name: 'Pledge', exact: true }).click();
	await until(async () => /You have pledged/.test(await pledgeB.innerText()), 10000, 'ben pledges');
	const declB = B.locator('article.decision', { hasText: 'We stand with the bakers' });
	await declB.getByRole('button', { name: 'Sign in the cell' }).click();
	await B.locator('dialog[open]').waitFor();
	ok(/proves nothing/.test(await B.locator('dialog').innerText()), 'signing in the cell says what it means');
	await B.locator('dialog').getByRole('button', { name: 'Sign in the cell' }).click();
	await until(async () => /1 signature\b/.test(await declB.innerText()), 10000, 'ben\'s signature counts');
	ok(/You signed it in the cell/.test(await declB.innerText()) &&
		(await declB.getByRole('button', { name: 'Sign in the cell' }).count()) === 0, 'ben\'s page knows he signed');
	await shot(B, '07b-pledge-declaration');
	await syncBen(B);
	await until(async () => /Enough people pledged/.test(await pledgeA.innerText()), 20000,
		'ada\'s page shows the pledge reached, by itself');
	await until(async () => /1 signature\b/.test(await A.locator('article.decision', { hasText: 'We stand with the bakers' })
		.innerText()), 20000, 'ada sees ben\'s signature');
	ok(/2 of the 2 needed/.test(await pledgeA.innerText()), 'two of the two needed have pledged');

	// --- ada removes ben ------------------------------------------------------------------------
	await A.getByRole('link', { name: 'Members' }).click();
	await A.getByRole('button', { name: 'Remove Ben' }).click();
	await A.locator('dialog[open]').waitFor();
	ok(/cannot be undone/.test(await A.locator('dialog').innerText()), 'the confirmation says what removal means');
	await shot(A, '08-remove-confirm');
	await A.locator('dialog').getByRole('button', { name: 'Remove' }).click();
	await until(async () => !(await A.locator('.members').innerText()).includes('Ben'), 10000, 'ben is no longer listed');
	await A.getByRole('link', { name: 'Conversation' }).click();
	await A.getByLabel('Write to the cell').fill('Meeting moved to the bakery.');
	await A.getByRole('button', { name: 'Post', exact: true }).click();
	await syncBen(B);
	await B.goto(cellUrlB);
	await B.locator('article.post').first().waitFor();
	await sleep(1000);
	ok(!/bakery/.test(await B.locator('#threads').innerText()), 'ben, removed, reads nothing new');

	// --- a leaflet ----------------------------------------------------------------------------
	await A.getByRole('link', { name: 'Leaflets' }).click();
	ok(/signed with your identity/.test(await A.locator('.warning').innerText()), 'publishing warns of the identity');
	await A.getByLabel('Text').fill('Workers of the bakery: the strike is on.');
	await A.getByRole('button', { name: 'Publish' }).click();
	await sleep(500);
	ok((await A.locator('article.leaflet').count()) === 0, 'a leaflet is not published before the warning is accepted');
	await A.getByLabel(/I understand/).check();
	await A.getByRole('button', { name: 'Publish' }).click();
	await until(async () => (await A.locator('article.leaflet').count()) === 1, 10000, 'the leaflet is published');
	await A.getByLabel('Search', { exact: true }).fill('BAKERY');
	await A.getByRole('button', { name: 'Search' }).click();
	await until(async () => (await A.locator('article.leaflet').count()) === 1, 5000, 'search finds it, whatever the case');
	await A.getByLabel('Search', { exact: true }).fill('harvest');
	await A.getByRole('button', { name: 'Search' }).click();
	await until(async () => (await A.locator('article.leaflet').count()) === 0, 5000, 'search leaves out what does not match');
	await labelled(A, 'leaflets');
	await shot(A, '09-leaflets');

	// --- a courier file: ada makes one for a passphrase, dan takes it in through his page ------
	await A.getByRole('link', { name: 'This device' }).click();
	await A.getByLabel('Who can open it').selectOption({ label: 'Anyone told a passphrase (public leaflets only)' });
	await A.getByLabel('Passphrase for it (optional)').fill('bakery courier');
	const [dl] = await Promise.all([A.waitForEvent('download'), A.getByRole('button', { name: 'Make the file' }).click()]);
	const courier = E.SZ_W + '/courier.bundle';
	await dl.saveAs(courier);
	ok(fs.statSync(courier).size > 0 && /\.bundle$/.test(dl.suggestedFilename()), 'ada downloads a courier file');
	// ada changes her passphrase on the same page: the one in use first
	const pf = A.locator('form', { hasText: 'Change the passphrase' });
	const newPass = 'a new moon over seven hills';
	ok(!(await pf.getByLabel(/Keep this weak passphrase anyway/).isVisible()), 'no box to keep a weak one before one is refused');
	await pf.getByLabel('The passphrase you use now').fill('not it at all');
	await pf.getByLabel('The new passphrase').fill(newPass);
	await pf.getByLabel('The new one again').fill(newPass);
	await pf.getByRole('button', { name: 'Change it' }).click();
	await until(async () => /not the passphrase/.test(await pf.locator('.form-error').innerText()), 10000,
		'a change with a wrong passphrase in use is told');
	await pf.getByLabel('The passphrase you use now').fill(fs.readFileSync(E.SZ_W + '/ada.pw', 'utf8').trim());
	await pf.getByRole('button', { name: 'Change it' }).click();
	await until(async () => /passphrase is changed/.test(await A.locator('#status').innerText()), 30000,
		'ada changes her passphrase from the page');
	fs.writeFileSync(E.SZ_W + '/ada.pw', newPass + '\n');
	const ctxD2 = await browser.newContext({ viewport: { width: 1100, height: 900 } });
	const D2 = await ctxD2.newPage();
	D2.on('pageerror', (e) => errors.push('dan: ' + e.message));
	await D2.goto(execFileSync(E.SZ_BIN, ['--home', E.SZ_W + '/dan', 'ui'], { stdio: ['ignore', 'pipe', 'ignore'] })
		.toString().trim());
	await D2.getByRole('link', { name: 'This device' }).click();
	await D2.getByLabel('The file').setInputFiles(courier);
	await D2.getByLabel('Its passphrase, if it has one').fill('bakery courier');
	await D2.getByRole('button', { name: 'Take it in' }).click();
	await until(async () => /1 new leaflet/.test(await D2.locator('form', { hasText: 'Take in a courier file' }).innerText()),
		20000, 'dan takes the courier file in: "1 new leaflet"');
	await D2.getByLabel('Duress passphrase', { exact: true }).fill('if they make me open it');
	await D2.getByLabel('The same again').fill('if they make me open it');
	await D2.getByRole('button', { name: 'Set it' }).click();
	await until(async () => /Duress passphrase set/.test(await D2.locator('#status').innerText()), 20000, 'dan sets a duress passphrase');
	await D2.getByRole('link', { name: 'Leaflets' }).click();
	await until(async () => /strike is on/.test(await D2.locator('.leaflets').innerText()), 10000, 'dan reads ada\'s leaflet');
	// dan joins ada's cell by courier files: a request carried to ada, her answer carried back
	const danCode = sz('ada', 'cell', 'invite', 'union', '--name', 'Dan').trim();
	await D2.getByRole('link', { name: 'Cells' }).click();
	await D2.getByText('No network between you? Join by courier files').click();
	const cj = D2.locator('details.courier-join');
	await cj.getByLabel('The code you were given').fill(danCode);
	const [rq] = await Promise.all([D2.waitForEvent('download'), cj.getByRole('button', { name: 'Make the request file' }).click()]);
	await rq.saveAs(E.SZ_W + '/dan.request');
	ok(fs.statSync(E.SZ_W + '/dan.request').size > 0, 'dan\'s page writes a join request file');
	await labelled(D2, 'joining by courier');
	await shot(D2, '09b-courier-join');
	const unionId = await A.evaluate(async () => (await (await fetch('/api/cells')).json()).cells[0].id);
	await A.goto(A.url().replace(/#.*/, '') + '#/cell/' + unionId + '/invite');
	await A.getByLabel('The request file').setInputFiles(E.SZ_W + '/dan.request');
	const [an] = await Promise.all([A.waitForEvent('download'), A.getByRole('button', { name: 'Answer it' }).click()]);
	await an.saveAs(E.SZ_W + '/dan.answer');
	const danFp = await D2.evaluate(async () => (await (await fetch('/api/session')).json()).fingerprint);
	await until(async () => (await A.locator('form', { hasText: 'Answer a join request' }).innerText()).includes(danFp), 10000,
		'ada\'s page shows the fingerprint of whom it let in: dan\'s');
	await shot(A, '09c-courier-admit');
	await cj.getByLabel('The answer file, once it is back').setInputFiles(E.SZ_W + '/dan.answer');
	await cj.getByRole('button', { name: 'Take the answer in' }).click();
	await until(async () => /You joined "union"/.test(await D2.locator('#status').innerText()), 20000, 'dan joins "union" by courier');
	await until(async () => (await D2.locator('.cell-link').count()) === 1, 10000, 'dan\'s page lists the cell');
	await ctxD2.close();

	// --- this device, dark theme, a phone, 200 % zoom ----------------------------------------
	await A.getByRole('link', { name: 'This device' }).click();
	await A.getByRole('heading', { name: 'Your fingerprint' }).waitFor();
	await labelled(A, 'this device');
	await shot(A, '10-device');
	ok(/samizdat serve --tor/.test(await A.locator('#not-reachable').innerText()),
		'a device only this computer reaches says so, with the command that changes it');
	await A.getByRole('button', { name: 'Dark theme' }).click();
	ok(await A.evaluate(() => document.documentElement.dataset.theme) === 'dark', 'the dark theme');
	await A.goto(A.url().replace(/#.*/, '') + '#/cell/' + (await A.evaluate(async () =>
		(await (await fetch('/api/cells')).json()).cells[0].id)));
	await A.locator('article.post').first().waitFor();
	await shot(A, '11-dark');
	await A.setViewportSize({ width: 390, height: 844 });
	await fits(A, 'a phone\'s width');
	await shot(A, '12-phone');
	// 200 % zoom: the same page in a window half as wide, at twice the pixels
	const zoom = await browser.newContext({ viewport: { width: 640, height: 450 }, deviceScaleFactor: 2,
		storageState: await ctxA.storageState() });
	const Z = await zoom.newPage();
	await Z.goto(A.url());
	await Z.locator('article.post').first().waitFor();
	await fits(Z, '200 % zoom');
	await zoom.close();
	await A.getByRole('button', { name: 'Dark theme' }).click();

	// --- lock: the page shows the unlock form ----------------------------------------------------
	await A.setViewportSize({ width: 1100, height: 900 });
	await A.getByRole('button', { name: 'Lock' }).click();
	await A.getByLabel('Passphrase').waitFor();
	ok(!/Meeting/.test(await A.locator('main').innerText()), 'locked, the page shows nothing of the cell');
	await A.getByLabel('Passphrase').fill(newPass);
	await A.keyboard.press('Enter');
	await A.getByRole('button', { name: 'Lock' }).waitFor();
	ok(true, 'the new passphrase unlocks ada\'s page');

	// --- ben's panic wipe -----------------------------------------------------------------------
	await B.goto(cellUrlB.replace(/#.*/, '#/device'));
	await B.getByRole('button', { name: 'Wipe everything now' }).click();
	await B.locator('dialog[open]').waitFor();
	await shot(B, '13-wipe-confirm');
	await B.locator('dialog').getByRole('button', { name: 'Wipe everything now' }).click();
	if (!(await until(async () => (await B.locator('#wiped').count()) === 1, 10000, 'the page says the node is wiped')))
		console.log('ben\'s page: ' + (await B.locator('body').innerText()).slice(0, 600));
	await shot(B, '14-wiped');

	ok(errors.length === 0, 'no script error in the pages' + (errors.length ? ': ' + errors.join(' | ') : ''));
	await browser.close();
	console.log(fails === 0 ? 'all checks passed' : fails + ' check(s) failed');
	process.exit(fails === 0 ? 0 : 1);
})().catch((e) => { console.log('FAIL: ' + e.stack); process.exit(1); });

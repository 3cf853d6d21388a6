// decide.js - a cell's decisions: anonymous votes on proposals (live counts, the deadline),
// threshold pledges (progress to the threshold, reveals), declarations and co-signatures.
'use strict';
(function () {
	const { h, t } = SZ;

	SZ.decide = async function (body, cell) {
		const active = cell.status === 'member';
		const list = h('div', { class: 'decisions', id: 'decisions' });
		body.append(list);
		const draw = async () => {
			const r = await SZ.api('/api/decisions?cell=' + encodeURIComponent(cell.id));
			// keep what the person chose in an open ballot
			const chosen = {};
			for (const f of list.querySelectorAll('form.ballot'))
				chosen[f.dataset.id] = (f.querySelector('input:checked') || {}).value;
			SZ.clear(list);
			if (r.decisions.length === 0)
				list.append(h('p', { class: 'empty' }, t('no_decisions')));
			for (const d of r.decisions) {
				if (d.kind === 'proposal')
					list.append(proposal(cell, d, active, draw, chosen[d.id]));
				else if (d.kind === 'pledge')
					list.append(pledge(cell, d, active, draw));
				else
					list.append(declaration(cell, d, active, draw));
			}
		};
		await draw();
		SZ.onChange(draw);
		if (active)
			body.append(newProposal(cell, draw), newPledge(cell, draw), newDeclaration(cell, draw));
	};

	const problem = (d) => (d.problem ? h('p', { class: 'notice' }, d.problem) : null);

	function deadline(d) {
		return h('p', { class: 'meta' }, d.closed ? t('closed_since', { when: SZ.when(d.deadline_ms) }) :
			t('open_until', { when: SZ.when(d.deadline_ms) }));
	}

	// --- proposals ------------------------------------------------------------------------------
	function proposal(cell, d, active, redraw, chosen) {
		const art = h('article', { class: 'card decision', 'data-id': d.id },
			h('p', { class: 'kind' }, t('kind_proposal')), h('h2', {}, d.question || '?'), problem(d));
		if (d.problem)
			return art;
		art.append(deadline(d));
		const total = Math.max(1, d.voters);
		const results = h('table', { class: 'tally' }, h('caption', {}, t('tally_caption', { voters: d.voters,
			roster: d.roster })));
		d.options.forEach((o) => {
			const pct = Math.round((100 * o.votes) / total);
			results.append(h('tr', {}, h('th', { scope: 'row' }, o.label), h('td', { class: 'num' }, String(o.votes)),
				h('td', { class: 'bar' }, h('progress', { max: total, value: o.votes, 'aria-label': o.label + ': ' + pct + '%' }))));
		});
		art.append(results, h('p', { class: 'result' }, d.voters === 0 ? t('no_votes') : d.tie ? t('tie') :
			d.closed ? t('result', { winner: d.winner }) : t('leading', { winner: d.winner })));
		if (d.small_ring)
			art.append(h('p', { class: 'notice' }, t('small_ring')));
		if (d.yours_waiting)
			art.append(h('p', { class: 'meta' }, t('yours_waiting', { when: SZ.when(d.yours_leaves_ms) })));
		if (active && !d.closed) {
			const name = SZ.uid('vote');
			const fs = h('fieldset', {}, h('legend', {}, t('your_vote')));
			d.options.forEach((o, i) => {
				const id = SZ.uid('opt');
				fs.append(h('div', { class: 'choice' }, h('input', { type: 'radio', name, id, value: String(i),
					required: true, checked: chosen === String(i) }), h('label', { for: id }, o.label)));
			});
			const now = h('input', { type: 'checkbox', id: SZ.uid('now') });
			const form = h('form', { class: 'ballot', 'data-id': d.id }, fs,
				h('div', { class: 'check' }, now, h('label', { for: now.id }, t('vote_now'))),
				h('p', { class: 'hint' }, t('vote_hint')),
				h('div', { class: 'row' }, h('button', { type: 'submit' }, t('vote'))));
			art.append(SZ.submit(form, async () => {
				const pick = form.querySelector('input[type=radio]:checked');
				const r = await SZ.api('/api/vote', { cell: cell.id, proposal: d.id, option: Number(pick.value),
					now: now.checked });
				SZ.say(r.released ? t('voted_now') : t('voted_later', { when: SZ.when(r.leaves_ms) }));
				await redraw();
			}));
		}
		return art;
	}

	function newProposal(cell, redraw) {
		const q = h('input', { type: 'text', maxlength: 1024, required: true });
		const opts = h('textarea', { rows: 3, required: true }, t('yes') + '\n' + t('no'));
		const hours = h('input', { type: 'number', min: 1, max: 8784, value: 24, required: true });
		const form = h('form', { class: 'card' }, h('h2', {}, t('new_proposal')), h('p', {}, t('proposal_intro')),
			SZ.field(t('question'), q), SZ.field(t('choices'), opts, t('choices_hint')),
			SZ.field(t('hours_to_vote'), hours),
			h('div', { class: 'row' }, h('button', { type: 'submit' }, t('propose'))));
		return SZ.submit(form, async () => {
			const options = opts.value.split('\n').map((s) => s.trim()).filter((s) => s);
			await SZ.api('/api/propose', { cell: cell.id, question: q.value, options, hours: Number(hours.value) });
			q.value = '';
			SZ.say(t('proposed'));
			await redraw();
		});
	}

	// --- pledges ----------------------------------------------------------------------------------
	function pledge(cell, d, active, redraw) {
		const art = h('article', { class: 'card decision', 'data-id': d.id },
			h('p', { class: 'kind' }, t('kind_pledge')), h('h2', {}, d.text || '?'), problem(d));
		if (d.problem)
			return art;
		art.append(deadline(d),
			h('p', {}, t('pledge_progress', { n: d.pledgers, k: d.threshold, roster: d.roster })),
			h('progress', { max: d.threshold, value: Math.min(d.pledgers, d.threshold),
				'aria-label': t('pledge_progress', { n: d.pledgers, k: d.threshold, roster: d.roster }) }),
			h('p', { class: 'result' }, d.reached ? t('pledge_reached') : t('pledge_not_yet')));
		if (d.revealed.length)
			art.append(h('p', {}, t('revealed_by'), ' ', d.revealed.map((p, i) => [i ? ', ' : '', SZ.person(p)])));
		if (d.you_pledged)
			art.append(h('p', { class: 'meta' }, d.you_revealed ? t('you_revealed') : t('you_pledged')));
		else if (d.yours_waiting)
			art.append(h('p', { class: 'meta' }, t('pledge_waiting')));
		if (active && !d.closed && !d.you_pledged && !d.yours_waiting) {
			const now = h('input', { type: 'checkbox', id: SZ.uid('now') });
			const form = h('form', {}, h('p', {}, t('pledge_means')),
				h('div', { class: 'check' }, now, h('label', { for: now.id }, t('vote_now'))),
				h('div', { class: 'row' }, h('button', { type: 'submit' }, t('pledge'))));
			art.append(SZ.submit(form, async () => {
				await SZ.api('/api/pledge', { cell: cell.id, call: d.id, now: now.checked });
				SZ.say(t('pledged'));
				await redraw();
			}));
		}
		if (active && d.reached && d.you_pledged && !d.you_revealed)
			art.append(h('button', { type: 'button', class: 'secondary', onclick: async () => {
				if (!(await SZ.confirm(t('reveal_q'), [t('reveal_means')], t('reveal'))))
					return;
				try {
					await SZ.api('/api/pledge/reveal', { cell: cell.id, call: d.id });
					await redraw();
				} catch (e) {
					SZ.say(e.message, 'error');
				}
			} }, t('reveal')));
		return art;
	}

	function newPledge(cell, redraw) {
		const text = h('textarea', { rows: 2, maxlength: 4096, required: true });
		const k = h('input', { type: 'number', min: 2, value: 3, required: true });
		const hours = h('input', { type: 'number', min: 1, max: 8784, value: 168, required: true });
		const form = h('form', { class: 'card' }, h('h2', {}, t('new_pledge')), h('p', {}, t('pledge_intro')),
			SZ.field(t('pledge_text'), text), SZ.field(t('threshold'), k, t('threshold_hint')),
			SZ.field(t('hours_to_pledge'), hours),
			h('div', { class: 'row' }, h('button', { type: 'submit' }, t('call_pledge'))));
		return SZ.submit(form, async () => {
			await SZ.api('/api/pledge/call', { cell: cell.id, text: text.value, threshold: Number(k.value),
				hours: Number(hours.value) });
			text.value = '';
			SZ.say(t('pledge_called'));
			await redraw();
		});
	}

	// --- declarations ---------------------------------------------------------------------------
	function declaration(cell, d, active, redraw) {
		const art = h('article', { class: 'card decision', 'data-id': d.id },
			h('p', { class: 'kind' }, d.public ? t('kind_declaration_public') : t('kind_declaration')),
			h('h2', {}, d.title || '?'), problem(d));
		if (d.problem)
			return art;
		art.append(h('p', { class: 'text' }, d.text), h('p', { class: 'result' }, t(d.count === 1 ? 'signatures_one' : 'signatures_n', { n: d.count })));
		const pub = d.signers.filter((s) => s.public && s.person);
		if (pub.length)
			art.append(h('p', {}, t('signed_publicly_by'), ' ', pub.map((s, i) => [i ? ', ' : '', SZ.person(s.person)])));
		if (active) {
			const sign = async (isPublic) => {
				const ok = isPublic ? await SZ.confirm(t('cosign_public_q'), [t('cosign_public_means')], t('sign_publicly')) :
					await SZ.confirm(t('cosign_q'), [t('cosign_means')], t('sign'));
				if (!ok)
					return;
				try {
					await SZ.api('/api/cosign', { cell: cell.id, declaration: d.id, public: isPublic });
					SZ.say(t('signed'));
					await redraw();
				} catch (e) {
					SZ.say(e.message, 'error');
				}
			};
			if (d.you_signed || d.you_signed_publicly)
				art.append(h('p', { class: 'meta' }, d.you_signed_publicly ? t('you_signed_publicly') : t('you_signed')));
			art.append(h('div', { class: 'row' },
				d.you_signed ? null : h('button', { type: 'button', onclick: () => sign(false) }, t('sign')),
				d.public && !d.you_signed_publicly ? h('button', { type: 'button', class: 'secondary',
					onclick: () => sign(true) }, t('sign_publicly')) : null));
		}
		return art;
	}

	function newDeclaration(cell, redraw) {
		const title = h('input', { type: 'text', maxlength: 256, required: true });
		const text = h('textarea', { rows: 4, required: true });
		const pub = h('input', { type: 'checkbox', id: SZ.uid('pub') });
		const form = h('form', { class: 'card' }, h('h2', {}, t('new_declaration')),
			SZ.field(t('decl_title'), title), SZ.field(t('decl_text'), text),
			h('div', { class: 'check' }, pub, h('label', { for: pub.id }, t('decl_public'))),
			h('p', { class: 'hint' }, t('decl_public_hint')),
			h('div', { class: 'row' }, h('button', { type: 'submit' }, t('declare'))));
		return SZ.submit(form, async () => {
			if (pub.checked && !(await SZ.confirm(t('decl_public_q'), [t('decl_public_means')], t('declare'))))
				return;
			await SZ.api('/api/declare', { cell: cell.id, title: title.value, text: text.value, public: pub.checked });
			title.value = '';
			text.value = '';
			SZ.say(t('declared'));
			await redraw();
		});
	}
})();

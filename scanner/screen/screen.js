// The box's screen. A client of esepd like the console: it shows what esepd publishes
// (GET /api/state) and sends the voter's and the commission's commands (POST /api/command);
// esepd decides. Texts come translated from esepd's catalogs (texts.js lists them).
import { M } from './texts.js';

const $ = (id) => document.getElementById(id);
const kLanguages = ['ky', 'ru'];
const kShownFor = 8000;  // ms a "counted" or "returned" screen stays before "insert"
const kLines = [
  ['l1', 'votersOnList'], ['l2', 'ballotsReceived'], ['l3', 'ballotsIssuedInRoom'],
  ['l4', 'ballotsIssuedOutside'], ['l5', 'ballotsCancelled'], ['l7', 'ballotsInMobileBoxes'],
  ['l10', 'ballotsLost'], ['l11', 'ballotsNotCountedAtReceipt'],
];
const kStateNames = {
  setup: 'stateSetup', testing: 'stateTesting', ready: 'stateReady', open: 'stateOpen',
  closed: 'stateClosed', protocol_final: 'stateProtocolFinal', transmitted: 'stateTransmitted',
};
const kFaults = {
  jam: 'faultJam', 'cover-open': 'faultCover', 'box-full': 'faultBoxFull',
  'paper-in-path': 'faultPaper', storage: 'faultStorage',
};

let language = kLanguages.includes(localStorage.getItem('esep.language'))
  ? localStorage.getItem('esep.language') : 'ky';
let texts = {};
let screen = null;   // this window's token: it is the box's screen
let session = null;  // a signed-in member's
let member = null;
let state = null;
let lastSeq = null;
let seqSeenAt = 0;
let draft = null;
let report = null;  // {title, text}
let commissionOpen = false;
let laSignature = '';

function t(key, vars = {}) {
  const msgid = M[key];
  let text = texts[msgid] || msgid;
  for (const [name, value] of Object.entries(vars)) text = text.replaceAll(`{${name}}`, value);
  return text;
}
const local = (text) => (text ? text[language] || text.ru || text.ky || text.en || '' : '');

async function post(path, body) {
  const headers = { 'Content-Type': 'application/json' };
  if (screen) headers['X-Esep-Screen'] = screen;
  if (session) headers['X-Esep-Session'] = session;
  let status = 0;
  let reply = {};
  try {
    const response = await fetch(path, { method: 'POST', headers, body: JSON.stringify(body) });
    status = response.status;
    reply = await response.json();
  } catch (e) {
    reply = { error: String(e) };
  }
  return { status, reply };
}

async function loadTexts() {
  const { reply } = await post('/api/text', { language, msgids: Object.values(M) });
  texts = reply.texts || {};
  document.documentElement.lang = language;
  for (const element of document.querySelectorAll('[data-text]')) {
    element.textContent = t(element.dataset.text);
  }
  for (const button of document.querySelectorAll('#languages button')) {
    button.setAttribute('aria-pressed', String(button.dataset.language === language));
  }
  $('open-commission').textContent = t('commission');
  buildLines();
  laSignature = '';
  render();
}

async function claim() {
  const { status, reply } = await post(`/api/claim?language=${language}`, {});
  if (status === 200 && reply.screen) {
    screen = reply.screen;
    $('not-screen').hidden = true;
    return true;
  }
  screen = null;
  $('not-screen-why').textContent = reply.error || `HTTP ${status}`;
  $('not-screen').hidden = false;
  return false;
}

async function command(name, extra = {}) {
  $('error').textContent = '';
  const { status, reply } = await post('/api/command', { command: name, language, ...extra });
  if (!reply.ok) {
    $('error').textContent = reply.error || `HTTP ${status}`;
    if (status === 401) signedOut();
    return null;
  }
  return reply;
}

function signedOut() {
  session = null;
  member = null;
  draft = null;
  report = null;
  render();
}

function secondMember(step) {
  return {
    secondMember: $(step).querySelector('.second-member').value.trim(),
    secondPin: $(step).querySelector('.second-pin').value,
  };
}

function clearSecond(step) {
  $(step).querySelector('.second-member').value = '';
  $(step).querySelector('.second-pin').value = '';
}

// `printed`: the command whose answer esepd prints as its PDF sheet (test-report, zero-report,
// draft, protocol).
function showReport(titleKey, text, printed) {
  report = text ? { title: titleKey, text, printed } : null;
  render();
}

// Prints the sheet esepd renders (the same PDF as `esep poll ... --pdf`), never a page layout
// of its own.
async function printSheet() {
  if (!report) return;
  $('error').textContent = '';
  const headers = { 'Content-Type': 'application/json' };
  if (screen) headers['X-Esep-Screen'] = screen;
  if (session) headers['X-Esep-Session'] = session;
  const response = await fetch('/api/command', {
    method: 'POST', headers,
    body: JSON.stringify({ command: report.printed, language, print: true }),
  });
  if (!response.ok || response.headers.get('Content-Type') !== 'application/pdf') {
    const reply = await response.json().catch(() => ({}));
    $('error').textContent = reply.error || `HTTP ${response.status}`;
    return;
  }
  const sheet = await response.blob();
  const url = URL.createObjectURL(sheet);
  const frame = $('print-frame');
  frame.dataset.printed = report.printed;
  frame.dataset.bytes = String(sheet.size);
  frame.onload = () => frame.contentWindow.print();
  frame.src = url;
}

// --- The voter's screens -------------------------------------------------------------------

function reasonText(voter) {
  const contest = local(voter.contest);
  switch (voter.cause) {
    case 'overvote': return t('overvote', { contest });
    case 'marginal': return t('marginal', { contest });
    case 'undervote': return t('undervote', { contest });
    case 'blank': return t('blank');
    default: return '';
  }
}

function renderVoter() {
  const voter = state.voter || {};
  const seq = String(voter.seq || 0);
  if (seq !== lastSeq) {
    lastSeq = seq;
    seqSeenAt = Date.now();
  }
  const fresh = Date.now() - seqSeenAt < kShownFor;
  let look = 'insert';
  let title = t('insert');
  let reason = '';
  let detail = t('insertDetail');
  let choice = false;
  if (state.fault && state.fault.kind) {
    [look, title, detail] = ['stopped', t('stopped'), t('stoppedDetail')];
  } else if (state.pollState !== 'open' && state.pollState !== 'testing') {
    [look, title, detail] = ['closed', t('closedForVoters'), t('closedForVotersDetail')];
  } else if (state.ballotWaitingForVoter && voter.kind === 'HELD') {
    [look, title, reason] = ['held', t('held'), reasonText(voter)];
    detail = voter.mayCastAsIs ? t('heldChoose') : t('heldOnlyBack');
    choice = true;
  } else if (voter.kind === 'READING') {
    [look, title, detail] = ['reading', t('reading'), t('readingDetail')];
  } else if (fresh && voter.kind === 'COUNTED') {
    [look, title, detail] = ['counted', t('counted'), t('countedDetail')];
  } else if (fresh && voter.kind === 'RETURNED') {
    look = 'returned';
    if (voter.takenBack) {
      [title, detail] = [t('takenBack'), t('takenBackDetail')];
    } else if (voter.cause === 'reader') {
      [title, detail] = [t('readerReturned'), t('readerReturnedDetail')];
    } else if (voter.cause === 'unreadable') {
      [title, detail] = [t('unreadable'), t('unreadableDetail')];
    } else {
      [title, reason, detail] = [t('held'), reasonText(voter), t('heldOnlyBack')];
    }
  }
  if (state.pollState === 'testing' && look === 'insert') detail = t('testing');
  const main = $('voter');
  main.className = look;
  main.dataset.screen = look;
  main.dataset.seq = seq;
  $('voter-title').textContent = title;
  $('voter-reason').textContent = reason;
  $('voter-detail').textContent = detail;
  $('voter-choice').hidden = !choice;
  $('btn-cast-as-is').hidden = !(choice && voter.mayCastAsIs);
  $('btn-take-back').textContent = t('takeBack');
  $('btn-cast-as-is').textContent = t('castAsIs');
}

// --- The commission's screens --------------------------------------------------------------

function buildLines() {
  const box = $('lines');
  const values = {};
  for (const input of box.querySelectorAll('input')) values[input.id] = input.value;
  box.textContent = '';
  for (const [key] of kLines) {
    const label = document.createElement('label');
    const name = document.createElement('span');
    name.textContent = t(key);
    const input = document.createElement('input');
    input.id = `line-${key}`;
    input.inputMode = 'numeric';
    input.autocomplete = 'off';
    input.value = values[input.id] || '';
    const error = document.createElement('span');
    error.className = 'field-error';
    input.addEventListener('input', () => checkLine(input, error));
    label.append(name, input, error);
    box.append(label);
  }
}

// A line as typed: a whole number from 0 to 1 000 000 000, or null.
function lineValue(input) {
  const text = input.value.trim();
  if (!/^[0-9]{1,10}$/.test(text)) return null;
  const value = Number(text);
  return value <= 1e9 ? value : null;
}

function checkLine(input, error) {
  const ok = lineValue(input) !== null;
  input.classList.toggle('invalid', !ok);
  error.textContent = ok ? '' : t('notANumber');
  return ok;
}

// The expected counts as typed: every option whose field holds a whole number.
function typedExpectation() {
  const counts = [];
  for (const input of $('la-table').querySelectorAll('tbody input')) {
    const votes = lineValue(input);
    if (votes === null) continue;
    const [contestId, optionId] = input.dataset.key.split('/');
    counts.push({ contestId, optionId, votes });
  }
  return { counts };
}

// Sends the typed counts to esepd, which judges the test; one request at a time, the latest
// counts last.
let expectationSending = false;
let expectationChanged = false;
async function sendExpectation() {
  if (expectationSending) {
    expectationChanged = true;
    return;
  }
  expectationSending = true;
  try {
    do {
      expectationChanged = false;
      await command('expect', { testExpectation: typedExpectation() });
    } while (expectationChanged);
  } finally {
    expectationSending = false;
  }
  await poll();
}

// The test as esepd judges it: its expected and found counts and its verdict (never the page's).
function renderTest() {
  const counts = state.testCounts || [];
  const signature = counts.map((c) => `${c.contestId}/${c.optionId}`).join(',');
  const body = $('la-table').querySelector('tbody');
  if (signature !== laSignature) {
    laSignature = signature;
    body.textContent = '';
    for (const count of counts) {
      const key = `${count.contestId}/${count.optionId}`;
      const row = document.createElement('tr');
      const name = document.createElement('td');
      name.textContent = `${local(count.contest)}: ${local(count.option)}`;
      const input = document.createElement('input');
      input.dataset.key = key;
      input.inputMode = 'numeric';
      input.size = 5;
      input.value = count.hasExpected ? String(count.expected || 0) : '';
      input.addEventListener('input', () => {
        input.classList.toggle('invalid', input.value !== '' && lineValue(input) === null);
        sendExpectation();
      });
      const expectedCell = document.createElement('td');
      expectedCell.append(input);
      const found = document.createElement('td');
      found.className = 'number found';
      const mark = document.createElement('td');
      mark.className = 'mark';
      row.append(name, expectedCell, found, mark);
      body.append(row);
    }
  }
  counts.forEach((count, i) => {
    const row = body.rows[i];
    const found = Number(count.votes || 0);
    const expected = Number(count.expected || 0);
    row.querySelector('.found').textContent = String(found);
    const mark = row.querySelector('.mark');
    mark.textContent = !count.hasExpected ? '' : expected === found ? '✓' : '✗';
    mark.className = !count.hasExpected ? 'mark' : `mark ${expected === found ? 'pass' : 'fail'}`;
  });
  const judged = state.testVerdict === 'PASS' || state.testVerdict === 'FAIL'
    ? state.testVerdict : '';
  const verdict = $('la-verdict');
  verdict.textContent = judged === 'PASS' ? t('laPass') : judged === 'FAIL' ? t('laFail')
    : t('laEnter');
  verdict.className = judged.toLowerCase();
  verdict.dataset.verdict = judged;
}

function renderRelations() {
  const body = $('relations').querySelector('tbody');
  body.textContent = '';
  for (const relation of (draft && draft.relations) || []) {
    const row = document.createElement('tr');
    const verdict = relation.holds ? t('holds') : relation.blocking ? t('broken') : t('warning');
    for (const [text, cls] of [[relation.relation, ''], [relation.detail, 'number'],
      [verdict, relation.holds ? 'pass' : 'fail']]) {
      const cell = document.createElement('td');
      cell.textContent = text;
      cell.className = cls;
      row.append(cell);
    }
    body.append(row);
  }
  $('draft').hidden = !draft;
}

function renderCommission() {
  $('commission').hidden = !commissionOpen;
  if (!commissionOpen) return;
  $('sign-in').hidden = !!session;
  $('panel').hidden = !session;
  if (!session) return;
  $('signed-in').textContent = t('signedInAs', { member });
  const polls = state.pollState;
  $('poll-state').textContent = t(kStateNames[polls] || 'stateSetup');
  $('poll-state').dataset.state = polls;
  $('sheets-read').textContent = String(state.sheetsRead || 0);
  $('ballots-cast').textContent = String(state.ballotsCast || 0);
  $('test-ballots').textContent = String(state.testBallotsCast || 0);
  const fault = state.fault && state.fault.kind;
  $('fault-panel').hidden = !fault;
  if (fault) {
    $('fault-what').textContent = t(kFaults[fault] || 'stoppedDetail');
    $('fault-detail').textContent = state.fault.detail || '';
    $('btn-resume').hidden = fault === 'storage';
  }
  $('step-setup').hidden = polls !== 'setup';
  $('step-test').hidden = polls !== 'testing' && polls !== 'ready';
  $('btn-finish-test').hidden = polls !== 'testing';
  $('btn-open').hidden = polls !== 'ready';
  if (!$('step-test').hidden) renderTest();
  $('step-open').hidden = polls !== 'open';
  $('step-lines').hidden = polls !== 'closed';
  $('step-final').hidden = polls !== 'protocol_final' && polls !== 'transmitted';
  $('transmission').textContent = state.transmission || t('notDelivered');
  renderRelations();
  const notices = state.notices || [];
  $('notices').hidden = notices.length === 0;
  $('notices').querySelector('ul').replaceChildren(...notices.map((text) => {
    const item = document.createElement('li');
    item.textContent = text;
    return item;
  }));
  $('report-box').hidden = !report;
  // Which of esepd's sheets the report shown is (test-report, zero-report, draft, protocol).
  $('report-box').dataset.report = report ? report.printed : '';
  if (report) {
    $('report-title').textContent = t(report.title);
    $('report').textContent = report.text;
  }
}

function renderHeader() {
  $('election').textContent = local(state.electionTitle);
  $('precinct').textContent = local(state.precinctName) || state.precinctId || '';
  const now = new Date(Number(state.nowUnixSeconds || 0) * 1000 || Date.now());
  try {
    $('clock').textContent = new Intl.DateTimeFormat('ru-RU', {
      timeZone: state.timeZone || 'Asia/Bishkek', day: '2-digit', month: '2-digit',
      hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false,
    }).format(now);
  } catch {
    $('clock').textContent = now.toISOString();
  }
  $('clock').dataset.timeZone = state.timeZone || '';
}

function render() {
  if (!state) return;
  renderHeader();
  renderVoter();
  renderCommission();
}

async function poll() {
  try {
    const response = await fetch(`/api/state?screen=${screen || ''}&language=${language}`);
    state = await response.json();
    if (screen && !state.screenClaimed) await claim();
    render();
  } catch (e) {
    $('error').textContent = String(e);
  }
}

// --- Wiring ------------------------------------------------------------------------------

function on(id, handler) {
  $(id).addEventListener('click', async (event) => {
    event.preventDefault();
    $(id).disabled = true;
    try {
      await handler();
    } finally {
      $(id).disabled = false;
    }
  });
}

for (const button of document.querySelectorAll('#languages button')) {
  button.addEventListener('click', () => {
    language = button.dataset.language;
    localStorage.setItem('esep.language', language);
    loadTexts();
  });
}
$('open-commission').addEventListener('click', () => {
  commissionOpen = !commissionOpen;
  render();
});
$('sign-in').addEventListener('submit', async (event) => {
  event.preventDefault();
  $('error').textContent = '';
  const { status, reply } = await post('/api/login', {
    member: $('member').value.trim(), pin: $('pin').value, language,
  });
  $('pin').value = '';
  if (!reply.ok) {
    $('error').textContent = reply.error || `HTTP ${status}`;
    return;
  }
  session = reply.session;
  member = reply.member;
  render();
});
on('btn-sign-out', async () => {
  await command('logout');
  signedOut();
  commissionOpen = false;
  render();
});
on('btn-take-back', () => command('return'));
on('btn-cast-as-is', () => command('cast-as-is'));
on('btn-resume', () => command('resume'));
on('btn-start-test', () => command('start-test'));
on('btn-finish-test', async () => {
  const reply = await command('finish-test');
  if (reply) showReport('laReport', (await command('test-report') || {}).report, 'test-report');
});
on('btn-open', async () => {
  const reply = await command('open');
  if (reply) showReport('zeroReport', reply.report, 'zero-report');
});
// A copy of the zero report at any time while the polls are open: the opening's counters, marked
// as a copy, for the commission to sign or post again.
on('btn-zero-copy', async () => {
  const reply = await command('zero-report');
  if (reply) showReport('zeroReport', reply.report, 'zero-report');
});
on('btn-close', async () => {
  const reply = await command('close', secondMember('step-open'));
  clearSecond('step-open');
  if (reply) showReport(null, null);
});
$('step-lines').addEventListener('submit', async (event) => {
  event.preventDefault();
  const lines = {};
  let ok = true;
  for (const [key, field] of kLines) {
    const input = $(`line-${key}`);
    ok = checkLine(input, input.nextElementSibling) && ok;
    lines[field] = lineValue(input);
  }
  if (!ok) {
    $('error').textContent = t('notANumber');
    return;
  }
  lines.explanation = $('explanation').value;
  if (!(await command('lines', { lines }))) return;
  draft = await command('draft');
  if (draft) showReport('draft', draft.report, 'draft');
});
on('btn-finalize', async () => {
  const reply = await command('finalize', {
    confirmedLinesSha256: draft ? draft.linesSha256 : '', ...secondMember('draft'),
  });
  clearSecond('draft');
  if (reply) {
    draft = null;
    showReport('printProtocol', reply.report, 'protocol');
  }
});
on('btn-protocol', async () => {
  const reply = await command('protocol');
  if (reply) showReport('printProtocol', reply.report, 'protocol');
});
on('btn-print', printSheet);

(async () => {
  for (const slot of document.querySelectorAll('.second-slot')) {
    slot.replaceWith($('second-member').content.cloneNode(true));
  }
  await claim();
  await loadTexts();
  await poll();
  setInterval(async () => {
    if (screen) await poll();
    else if (await claim()) await poll();
  }, 300);
  setInterval(render, 1000);
})();

// Running a student's version: Check (the piece's own test, by Python), Train with it (Python
// swaps it into the next run), Reset (back to the package's version) and Stop. Student code runs
// in the worker, never in the page. Python stops endless loops by itself after 10 s; a loop
// inside a single C call cannot be stopped that way, so after a few seconds "Stop" offers to
// restart Python.

const STOP_AFTER_MS = 2500; // a check taking longer than this shows "Stop"

export class Runner {
  /** @param {object} panel  the code panel (panel.js)  @param {object} ctx  the page's view context */
  constructor(panel, ctx) {
    this.panel = panel;
    this.ctx = ctx;
    this.busy = false;
  }

  /** What the worker needs to run the student's text: the piece or the exercise, and the code. */
  args() {
    const { kind, id } = this.panel.current;
    const code = this.panel.editor.value;
    return kind === 'exercise' ? { exercise: id, code } : { piece: id, code };
  }

  /** Runs a request that executes student code: shows "Stop" if it takes long. */
  async guarded(fn) {
    const { panel } = this;
    this.busy = true;
    panel.update();
    const timer = setTimeout(() => { panel.stopButton.hidden = false; }, STOP_AFTER_MS);
    try {
      return await fn();
    } finally {
      clearTimeout(timer);
      panel.stopButton.hidden = true;
      this.busy = false;
      panel.update();
    }
  }

  async check() {
    const { panel } = this;
    if (!panel.current || this.busy) return;
    panel.report.pending('Checking your version…');
    try {
      const report = await this.guarded(() => this.ctx.call('code_check', this.args()));
      panel.report.show(report, panel.editBox.contains(panel.trainButton));
    } catch (err) {
      panel.report.failure(err);
    }
  }

  async trainWithIt() {
    const { panel, ctx } = this;
    if (!panel.current || this.busy) return;
    const state = ctx.getState();
    if (state === 'training' || state === 'paused') {
      panel.report.message('error', 'A run is in progress: stop it (section 2), then train with your version.');
      return;
    }
    panel.report.pending('Getting your version ready…');
    let armed;
    try {
      armed = await this.guarded(() => ctx.call('code_use', this.args()));
    } catch (err) {
      panel.report.failure(err);
      return;
    }
    if (!armed.armed) {
      panel.report.show({ verdict: 'error', ok: false, error: armed.error, parts: [] });
      return;
    }
    const changed = this.applySettings(armed.settings);
    panel.report.message('info', `Training with ${armed.label}${changed.length ? ` (settings changed so it takes part: ${changed.join(', ')})` : ''}. Watch section 3; the run is labelled in "Compare runs".`);
    await ctx.train();
    const now = ctx.getState();
    if (now === 'training' || now === 'paused') panel.root.dataset.training = armed.label;
    panel.update();
  }

  /** Puts the options a version needs (e.g. activation relu) into the training form. */
  applySettings(settings) {
    const { controls } = this.ctx;
    const texts = controls.texts();
    const changed = Object.entries(settings || {}).filter(([key, value]) => controls.option(key) && texts[key] !== value);
    if (changed.length) {
      controls.setValues(Object.fromEntries(changed));
      controls.changed();
    }
    return changed.map(([key, value]) => `${key} ${value}`);
  }

  async reset() {
    const { panel } = this;
    if (!panel.current) return;
    const { exercise, piece } = panel.catalogue.find(panel.current);
    panel.drafts.delete(panel.key());
    panel.editor.value = exercise ? exercise.starter : piece.code;
    try {
      await this.ctx.call('code_reset', {});
      panel.report.message('info', exercise ? 'Back to the start of the exercise. The network uses the original code again.'
        : 'Back to the original. The network uses the original code again.');
    } catch (err) {
      panel.report.failure(err);
    }
  }

  /** The worker is stuck in student code that Python cannot interrupt: start a new one. */
  async stop() {
    this.panel.stopButton.hidden = true;
    this.panel.report.message('error', 'Stopping your code: restarting Python…');
    await this.ctx.restartPython('Your code did not finish, so Python was restarted.');
  }
}

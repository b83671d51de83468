// Shared by every page of the bundled MiniWoB-style suite: a seeded problem generator (?seed=N),
// the instruction line, and the reward globals the harness reads back over the DevTools port:
// WOB_REWARD (0 until the episode ends, then 1 for success or -1 for failure) and WOB_DONE.
(function () {
  var seed = Number(new URLSearchParams(location.search).get('seed') || '1') >>> 0;
  var a = seed || 1;
  function rand() {
    a = (a + 0x6d2b79f5) | 0;
    var t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  var WORDS = ['apple', 'river', 'stone', 'cloud', 'maple', 'tiger', 'ocean', 'piano', 'lemon', 'comet',
    'forest', 'candle', 'violet', 'rocket', 'garden', 'silver', 'bridge', 'falcon', 'meadow', 'pepper'];
  var wob = {
    seed: seed,
    WORDS: WORDS,
    int: function (n) { return Math.floor(rand() * n); },
    pick: function (xs) { return xs[wob.int(xs.length)]; },
    sample: function (xs, k) {
      var copy = xs.slice();
      for (var i = copy.length - 1; i > 0; i--) { var j = wob.int(i + 1); var t = copy[i]; copy[i] = copy[j]; copy[j] = t; }
      return copy.slice(0, k);
    },
    query: function (text) { document.getElementById('query').textContent = text; },
    el: function (tag, props, parent) {
      var e = document.createElement(tag);
      for (var k in props) { if (k === 'style') Object.assign(e.style, props.style); else e[k] = props[k]; }
      (parent || document.getElementById('area')).appendChild(e);
      return e;
    },
    end: function (reward) {
      if (window.WOB_DONE) return;
      window.WOB_REWARD = reward;
      window.WOB_DONE = true;
      document.getElementById('status').textContent = reward > 0 ? 'Done: success' : 'Done: wrong answer';
    },
  };
  window.WOB_REWARD = 0;
  window.WOB_DONE = false;
  window.wob = wob;
})();

// Live progress of background jobs: every unfinished job on the page ([data-job-url]) polls its
// API once a second (the session's cookie authenticates it) and updates its bar, figures, error
// and download links, until it is finished. Text only: nothing from the API becomes markup; a
// job whose page shows its report ([data-reload-when-finished]) reloads the page when finished.
// Words come from Django's JavaScript catalog (gettext, interpolate), loaded by base.html.
const FINISHED = new Set(["done", "failed", "cancelled"]);
const INTERVAL_MS = 1000;
const STATUS_NAMES = {
  queued: pgettext("job status", "Queued"),
  running: pgettext("job status", "Running"),
  done: pgettext("job status", "Done"),
  failed: pgettext("job status", "Failed"),
  cancelled: pgettext("job status", "Cancelled"),
};
// As annotate/jobs/downloads.py ARTIFACT_LABELS.
const ARTIFACT_LABELS = {
  file: gettext("Download the file"),
  datasheet: gettext("Download its datasheet"),
  config: gettext("Download the labelling config"),
};

function field(element, name) {
  return element.querySelector(`[data-job-field='${name}']`);
}

// Figures in the page's language, as Django's templates write them.
const NUMBER = new Intl.NumberFormat(document.documentElement.lang || undefined);
const RATE = new Intl.NumberFormat(document.documentElement.lang || undefined, {
  minimumFractionDigits: 1,
  maximumFractionDigits: 1,
});

function figures(job) {
  const done = NUMBER.format(job.done);
  let text =
    job.total === null
      ? interpolate(gettext("%(done)s done"), { done }, true)
      : interpolate(
          gettext("%(done)s of %(total)s done"),
          { done, total: NUMBER.format(job.total) },
          true,
        );
  if (job.rate_per_s) {
    const rate = RATE.format(job.rate_per_s);
    text += " · " + interpolate(gettext("%(rate)s a second"), { rate }, true);
  }
  if (job.eta_s !== null) {
    const seconds = NUMBER.format(Math.round(job.eta_s));
    text += " · " + interpolate(gettext("about %(seconds)s s left"), { seconds }, true);
  }
  return text;
}

function showBar(bar, job) {
  if (job.total) {
    bar.max = job.total;
    bar.value = job.done;
  } else if (job.status === "done") {
    bar.max = 1;
    bar.value = 1;
  } else {
    bar.removeAttribute("value"); // indeterminate until the total is known
  }
  bar.textContent = job.percent === null ? "" : `${job.percent} %`;
}

function showDownloads(list, job) {
  list.replaceChildren(
    ...Object.entries(job.downloads).map(([artifact, url]) => {
      const item = document.createElement("li");
      const link = document.createElement("a");
      link.href = url;
      link.textContent = ARTIFACT_LABELS[artifact] ?? artifact;
      item.append(link);
      return item;
    }),
  );
}

function render(element, job) {
  element.dataset.status = job.status;
  const cancelling = job.cancel_requested && !FINISHED.has(job.status);
  field(element, "status").textContent =
    (STATUS_NAMES[job.status] ?? job.status) + (cancelling ? " " + gettext("(cancelling)") : "");
  showBar(field(element, "bar"), job);
  field(element, "figures").textContent = figures(job);
  const error = field(element, "error");
  error.textContent = job.error;
  error.hidden = !job.error;
  showDownloads(field(element, "downloads"), job);
  if (FINISHED.has(job.status)) field(element, "cancel")?.remove();
}

async function poll(element) {
  const response = await fetch(element.dataset.jobUrl, {
    headers: { Accept: "application/json" },
    credentials: "same-origin",
  });
  if (!response.ok) return response.status >= 500; // 403/404: the job is gone for us
  const job = await response.json();
  render(element, job);
  if (FINISHED.has(job.status) && "reloadWhenFinished" in element.dataset) {
    // The page renders what the job reports (an import's report) once it is finished.
    window.location.reload();
    return false;
  }
  return !FINISHED.has(job.status);
}

function watch(element) {
  const tick = async () => {
    let again;
    try {
      again = await poll(element);
    } catch {
      again = true; // the network failed once: keep trying
    }
    if (again) setTimeout(tick, INTERVAL_MS);
  };
  setTimeout(tick, INTERVAL_MS);
}

for (const element of document.querySelectorAll("[data-job-url]")) {
  if (!FINISHED.has(element.dataset.status)) watch(element);
}

# Golden values for gistpath's Kaplan-Meier and log-rank code, from R's survival package.
#
#   Rscript tests/reference/r_km_logrank.R   (from the repository root)
#
# writes tests/reference/r_km_logrank.json: every dataset used (so Python needs no R and no R
# random numbers), and for each case the R call and R's output at full precision.
# Needs only base R and the survival package (no jsonlite).

suppressPackageStartupMessages(library(survival))

# ---- a minimal JSON writer ----------------------------------------------------------------
scalar <- function(x) structure(x, json_scalar = TRUE)

json_value <- function(x) {
  if (is.null(x)) return("null")
  if (is.list(x)) {
    inner <- vapply(x, json_value, "")
    if (!is.null(names(x))) {
      keys <- vapply(names(x), function(k) json_string(k), "")
      return(paste0("{", paste0(keys, ":", inner, collapse = ","), "}"))
    }
    return(paste0("[", paste0(inner, collapse = ","), "]"))
  }
  is_scalar <- isTRUE(attr(x, "json_scalar"))
  if (is.factor(x)) x <- as.character(x)
  items <- if (is.character(x)) {
    ifelse(is.na(x), "null", vapply(x, json_string, ""))
  } else if (is.logical(x)) {
    ifelse(is.na(x), "null", ifelse(x, "true", "false"))
  } else {
    x <- as.numeric(x)
    out <- sprintf("%.17g", x)
    out[is.na(x)] <- "null"              # NA and NaN: R's NA
    out[is.infinite(x) & x > 0] <- "\"Inf\""
    out[is.infinite(x) & x < 0] <- "\"-Inf\""
    out
  }
  if (is_scalar && length(items) == 1) return(unname(items))
  paste0("[", paste0(unname(items), collapse = ","), "]")
}

json_string <- function(s) {
  s <- gsub("\\\\", "\\\\\\\\", s)
  s <- gsub("\"", "\\\\\"", s)
  paste0("\"", s, "\"")
}

# ---- datasets ------------------------------------------------------------------------------
lung0 <- survival::lung
lung_df <- data.frame(time = lung0$time, status = lung0$status - 1, sex = lung0$sex,
                      ph.ecog = lung0$ph.ecog, inst = lung0$inst, pat.karno = lung0$pat.karno)
vet <- survival::veteran
veteran_df <- data.frame(time = vet$time, status = vet$status, trt = vet$trt,
                         celltype = as.character(vet$celltype), karno = vet$karno)

set.seed(20240611)
n <- 300
ties_df <- data.frame(
  time = pmax(1, ceiling(rexp(n, 1 / 40))),
  status = rbinom(n, 1, 0.7),
  arm = sample(c("A", "B", "C"), n, replace = TRUE),
  site = sample(1:2, n, replace = TRUE)
)
n <- 200
heavy_df <- data.frame(
  time = round(runif(n, 1, 1000)),
  status = rbinom(n, 1, 0.15),
  arm = sample(0:1, n, replace = TRUE)
)
n <- 3000
trial_df <- data.frame(
  time = pmax(1, round(rexp(n, 1 / 300))),
  status = rbinom(n, 1, 0.7),
  arm = rep(0:1, length.out = n),
  stratum = sample(1:4, n, replace = TRUE)
)
datasets <- list(
  lung = lung_df,
  veteran = veteran_df,
  half_midpoint = data.frame(time = 1:10, status = c(1, 1, 1, 1, 1, 0, 1, 0, 1, 0)),
  end_flat = data.frame(time = c(1, 2, 3, 4), status = c(1, 1, 0, 0)),
  roundoff_100 = data.frame(time = 1:100, status = rep(1, 100)),
  last_censored = data.frame(time = c(2, 3, 3, 5, 8, 8, 9, 12, 15, 20),
                             status = c(1, 1, 0, 1, 1, 1, 0, 1, 1, 0)),
  ends_at_zero = data.frame(time = c(1, 2, 2, 3, 4, 5, 6), status = c(1, 1, 0, 1, 1, 1, 1)),
  time_zero = data.frame(time = c(0, 0, 1, 2, 3, 3, 4, 6), status = c(1, 0, 1, 1, 0, 1, 1, 0)),
  never_half = data.frame(time = c(1, 2, 3, 4, 5, 6), status = c(1, 0, 0, 0, 0, 0)),
  no_expected = data.frame(time = c(1, 2, 3, 4, 5, 6, 7, 8, 0.5, 0.7),
                           status = c(1, 0, 1, 1, 0, 1, 1, 0, 0, 0),
                           arm = c("a", "b", "a", "b", "a", "b", "a", "b", "c", "c")),
  ties = ties_df,
  heavy_censoring = heavy_df,
  trial = trial_df
)

# ---- Kaplan-Meier --------------------------------------------------------------------------
km_curve_output <- function(d, conf_type, times, probs, tau) {
  fit <- survfit(Surv(time, status) ~ 1, data = d, conf.type = conf_type)
  tab <- summary(fit, rmean = tau)$table
  q <- quantile(fit, probs = probs)
  s <- summary(fit, times = times)
  rev_fit <- survfit(Surv(time, 1 - status) ~ 1, data = d, conf.type = conf_type)
  rev_tab <- summary(rev_fit)$table
  level <- paste0(fit$conf.int, c("LCL", "UCL"))
  list(
    n = scalar(nrow(d)),
    events = scalar(sum(d$status)),
    curve = list(time = fit$time, n_risk = fit$n.risk, n_event = fit$n.event,
                 n_censor = fit$n.censor, surv = fit$surv, std_err = fit$std.err,
                 lower = fit$lower, upper = fit$upper),
    median = scalar(tab[["median"]]),
    median_lower = scalar(tab[[level[1]]]),
    median_upper = scalar(tab[[level[2]]]),
    rmean = scalar(tab[["rmean"]]),
    rmean_se = scalar(tab[["se(rmean)"]]),
    quantile = list(probs = probs, time = unname(q$quantile), lower = unname(q$lower),
                    upper = unname(q$upper)),
    at = list(time = s$time, n_risk = s$n.risk, n_event = s$n.event, n_censor = s$n.censor,
              surv = s$surv, std_err = s$std.err, lower = s$lower, upper = s$upper),
    follow_up = list(median = scalar(rev_tab[["median"]]),
                     lower = scalar(rev_tab[[level[1]]]),
                     upper = scalar(rev_tab[[level[2]]]))
  )
}

km_case <- function(id, dataset, group = NULL, conf_type = "log", times, tau,
                    probs = c(0.1, 0.25, 0.5, 0.75, 0.9)) {
  d <- datasets[[dataset]]
  if (is.null(group)) {
    curves <- list(all = km_curve_output(d, conf_type, times, probs, tau))
  } else {
    d <- d[!is.na(d[[group]]), ]
    levels <- sort(unique(d[[group]]))
    curves <- lapply(levels, function(v) {
      out <- km_curve_output(d[d[[group]] == v, ], conf_type, times, probs, tau)
      c(list(group = scalar(as.character(v))), out)
    })
  }
  call <- sprintf("survfit(Surv(time, status) ~ %s, data = %s, conf.type = '%s')",
                  if (is.null(group)) "1" else group, dataset, conf_type)
  list(id = scalar(id), dataset = scalar(dataset), group = if (is.null(group)) NULL
       else scalar(group), conf_type = scalar(conf_type), times = times, tau = scalar(tau),
       r_call = scalar(call), curves = curves)
}

km_cases <- list()
for (ct in c("log", "log-log", "plain")) {
  km_cases[[length(km_cases) + 1]] <- km_case(paste0("lung.all.", ct), "lung", NULL, ct,
                                              c(0, 5, 30, 180, 365, 730, 1000, 2000), 365)
  km_cases[[length(km_cases) + 1]] <- km_case(paste0("lung.sex.", ct), "lung", "sex", ct,
                                              c(90, 180, 365, 730), 500)
  km_cases[[length(km_cases) + 1]] <- km_case(paste0("veteran.trt.", ct), "veteran", "trt", ct,
                                              c(1, 30, 52, 100, 365, 999), 300)
  km_cases[[length(km_cases) + 1]] <- km_case(paste0("ties.arm.", ct), "ties", "arm", ct,
                                              c(10, 40, 100, 500), 120)
  km_cases[[length(km_cases) + 1]] <- km_case(paste0("heavy_censoring.arm.", ct),
                                              "heavy_censoring", "arm", ct,
                                              c(100, 500, 990), 800)
  for (small in c("half_midpoint", "end_flat", "roundoff_100", "last_censored",
                  "ends_at_zero", "time_zero", "never_half")) {
    d <- datasets[[small]]
    km_cases[[length(km_cases) + 1]] <- km_case(
      paste0(small, ".", ct), small, NULL, ct,
      c(0, 1, 2.5, 3, 5, max(d$time), max(d$time) + 1), max(d$time))
  }
}

# ---- log-rank ------------------------------------------------------------------------------
logrank_case <- function(id, dataset, group, strata = NULL, rho = 0) {
  d <- datasets[[dataset]]
  used <- c("time", "status", group, strata)
  d <- d[stats::complete.cases(d[, used]), ]
  rhs <- if (is.null(strata)) group else
    paste0(group, " + strata(", paste(strata, collapse = ", "), ")")
  f <- as.formula(paste("Surv(time, status) ~", rhs))
  s <- survdiff(f, data = d, rho = rho)
  obs <- s$obs
  ex <- s$exp
  if (is.matrix(obs)) {
    obs <- rowSums(obs)
    ex <- rowSums(ex)
  }
  levels <- as.character(sort(unique(d[[group]])))
  list(id = scalar(id), dataset = scalar(dataset), group = scalar(group),
       strata = if (is.null(strata)) list() else lapply(strata, scalar), rho = scalar(rho),
       r_call = scalar(sprintf("survdiff(Surv(time, status) ~ %s, data = %s, rho = %s)",
                               rhs, dataset, rho)),
       n_used = scalar(nrow(d)), levels = levels, n = as.numeric(s$n),
       observed = unname(obs), expected = unname(ex),
       variance = lapply(seq_len(nrow(s$var)), function(i) s$var[i, ]),
       chisq = scalar(s$chisq), df = scalar(sum(ex > 0) - 1), p = scalar(s$pvalue))
}

logrank_cases <- list(
  logrank_case("lung.sex", "lung", "sex"),
  logrank_case("lung.sex.rho1", "lung", "sex", rho = 1),
  logrank_case("lung.ecog", "lung", "ph.ecog"),
  logrank_case("lung.sex.strata_ecog", "lung", "sex", "ph.ecog"),
  logrank_case("lung.patkarno.strata_inst", "lung", "pat.karno", "inst"),
  logrank_case("veteran.trt", "veteran", "trt"),
  logrank_case("veteran.celltype", "veteran", "celltype"),
  logrank_case("veteran.celltype.rho0.5", "veteran", "celltype", rho = 0.5),
  logrank_case("veteran.trt.strata_celltype", "veteran", "trt", "celltype"),
  logrank_case("veteran.trt.strata_celltype.rho1", "veteran", "trt", "celltype", rho = 1),
  logrank_case("ties.arm", "ties", "arm"),
  logrank_case("ties.arm.strata_site", "ties", "arm", "site"),
  logrank_case("heavy_censoring.arm", "heavy_censoring", "arm"),
  logrank_case("trial.arm", "trial", "arm"),
  logrank_case("trial.arm.strata", "trial", "arm", "stratum"),
  logrank_case("trial.stratum.strata_arm", "trial", "stratum", "arm"),
  logrank_case("no_expected.arm", "no_expected", "arm")
)

out <- list(
  about = scalar(paste(
    "Golden values for gistpath Kaplan-Meier and log-rank, written by",
    "tests/reference/r_km_logrank.R. Numbers are R doubles printed with %.17g;",
    "null = R's NA, \"Inf\" = infinity.")),
  r_version = scalar(R.version.string),
  survival_version = scalar(as.character(packageVersion("survival"))),
  datasets = lapply(datasets, function(d) as.list(d)),
  km = km_cases,
  logrank = logrank_cases
)

args <- commandArgs(trailingOnly = TRUE)
target <- if (length(args)) args[[1]] else "tests/reference/r_km_logrank.json"
writeLines(json_value(out), target)
cat("wrote", target, "\n")

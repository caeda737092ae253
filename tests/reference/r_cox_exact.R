# Golden values for gistpath.stats.cox, .exact and .tables, computed with R.
# Run from the repository root:  Rscript tests/reference/r_cox_exact.R
# Writes tests/reference/r_cox_exact.json (base R + survival only; no jsonlite needed).
# Synthetic data sets are generated here with a fixed seed and written into the JSON, so the
# Python tests fit exactly the rows R fitted.
suppressPackageStartupMessages(library(survival))

to_json <- function(x, indent = "") {
  inner <- paste0(indent, "  ")
  if (is.null(x)) return("null")
  if (is.list(x)) {
    if (length(x) == 0) return(if (is.null(names(x))) "[]" else "{}")
    keys <- names(x)
    vals <- vapply(x, to_json, character(1), indent = inner)
    if (!is.null(keys)) {
      body <- paste0(inner, '"', keys, '": ', vals, collapse = ",\n")
      return(paste0("{\n", body, "\n", indent, "}"))
    }
    return(paste0("[", paste(vals, collapse = ", "), "]"))
  }
  if (is.matrix(x)) return(to_json(lapply(seq_len(nrow(x)), function(i) as.vector(x[i, ])), indent))
  if (is.factor(x)) x <- as.character(x)
  if (is.character(x)) {
    v <- ifelse(is.na(x), "null", paste0('"', gsub('"', '\\\\"', x), '"'))
  } else if (is.logical(x)) {
    v <- ifelse(is.na(x), "null", ifelse(x, "true", "false"))
  } else {
    v <- ifelse(is.na(x), "null",
                ifelse(is.infinite(x), ifelse(x > 0, '"Inf"', '"-Inf"'), sprintf("%.17g", x)))
  }
  if (length(x) == 1 && is.null(attr(x, "json_array"))) return(v)
  paste0("[", paste(v, collapse = ", "), "]")
}
arr <- function(x) { attr(x, "json_array") <- TRUE; x }

capture <- function(expr) {
  warns <- character(0)
  value <- withCallingHandlers(expr, warning = function(w) {
    warns <<- c(warns, conditionMessage(w)); invokeRestart("muffleWarning")
  })
  list(value = value, warnings = warns)
}

cox_entry <- function(id, r_call, formula, data, ties = "efron", iter.max = 20, payload = NULL,
                      dataset = "lung") {
  rhs <- attr(terms(formula, specials = "strata"), "term.labels")
  is_strata <- grepl("^strata\\(", rhs)
  strata_vars <- if (any(is_strata)) all.vars(parse(text = rhs[is_strata])[[1]]) else character(0)
  res <- capture(coxph(formula, data = data, ties = ties,
                       control = coxph.control(iter.max = iter.max)))
  fit <- res$value
  conc <- fit$concordance
  entry <- list(
    id = id, r_call = r_call, dataset = if (is.null(payload)) dataset else "inline",
    covariates = arr(rhs[!is_strata]), strata = arr(strata_vars),
    ties = ties, iter_max = iter.max,
    n = fit$n, events = fit$nevent,
    coef = arr(unname(coef(fit))), se = arr(unname(sqrt(diag(fit$var)))),
    names = arr(names(coef(fit))),
    loglik = arr(fit$loglik), iter = fit$iter,
    score = unname(fit$score), wald = unname(fit$wald.test),
    lr = 2 * diff(fit$loglik), df = sum(!is.na(coef(fit))),
    concordance = list(concordant = unname(conc["concordant"]),
                       discordant = unname(conc["discordant"]),
                       tied_x = unname(conc["tied.x"]), tied_y = unname(conc["tied.y"]),
                       tied_xy = unname(conc["tied.xy"]),
                       concordance = unname(conc["concordance"])),
    warnings = arr(res$warnings)
  )
  if (!all(is.na(coef(fit)))) {
    s <- summary(fit)$conf.int
    entry$hr_lower <- arr(unname(s[, "lower .95"]))
    entry$hr_upper <- arr(unname(s[, "upper .95"]))
    entry$p <- arr(unname(summary(fit)$coefficients[, "Pr(>|z|)"]))
  }
  if (!is.null(payload)) entry$data <- payload
  entry
}

lung1 <- lung
lung1$status <- lung1$status - 1  # lifelines ships status as 0/1
cc <- function(d, vars) d[complete.cases(d[, vars]), ]

cox <- list()
d <- cc(lung1, c("time", "status", "age", "sex", "ph.ecog"))
cox[[length(cox) + 1]] <- cox_entry("lung.efron.age+sex+ph.ecog",
  "coxph(Surv(time, status) ~ age + sex + ph.ecog, lung)",
  Surv(time, status) ~ age + sex + ph.ecog, d)
cox[[length(cox) + 1]] <- cox_entry("lung.breslow.age+sex+ph.ecog",
  "coxph(Surv(time, status) ~ age + sex + ph.ecog, lung, ties = 'breslow')",
  Surv(time, status) ~ age + sex + ph.ecog, d, ties = "breslow")
d <- cc(lung1, c("time", "status", "age", "sex", "inst"))
cox[[length(cox) + 1]] <- cox_entry("lung.efron.age+sex.strata_inst",
  "coxph(Surv(time, status) ~ age + sex + strata(inst), lung)",
  Surv(time, status) ~ age + sex + strata(inst), d)
cox[[length(cox) + 1]] <- cox_entry("lung.breslow.age+sex.strata_inst",
  "coxph(Surv(time, status) ~ age + sex + strata(inst), lung, ties = 'breslow')",
  Surv(time, status) ~ age + sex + strata(inst), d, ties = "breslow")
d <- cc(lung1, c("time", "status", "age", "wt.loss", "sex", "ph.ecog"))
cox[[length(cox) + 1]] <- cox_entry("lung.efron.age+wt.loss.strata_sex_ecog",
  "coxph(Surv(time, status) ~ age + wt.loss + strata(sex, ph.ecog), lung)",
  Surv(time, status) ~ age + wt.loss + strata(sex, ph.ecog), d)

# Heavy ties: whole-week times, a binary arm, a 3-level factor, a continuous covariate, 3 strata.
set.seed(20240501)
n <- 300
arm <- rbinom(n, 1, 0.5)
site <- sample(c("colon", "small_bowel", "stomach"), n, replace = TRUE)
score <- round(rnorm(n), 2)
centre <- sample(c("A", "B", "C"), n, replace = TRUE)
rate <- exp(-0.5 * arm + 0.3 * (site == "stomach") + 0.4 * score)
ev_time <- rexp(n, rate / 20)
cens <- runif(n, 5, 60)
ties_data <- data.frame(time = pmax(1, ceiling(pmin(ev_time, cens) / 7)),
                        status = as.integer(ev_time <= cens), arm = arm, site = site,
                        score = score, centre = centre)
payload <- lapply(ties_data, arr)
cox[[length(cox) + 1]] <- cox_entry("ties.efron.arm+site+score",
  "coxph(Surv(time, status) ~ arm + site + score, ties_data)",
  Surv(time, status) ~ arm + site + score, ties_data, payload = payload)
cox[[length(cox) + 1]] <- cox_entry("ties.breslow.arm+site+score",
  "coxph(Surv(time, status) ~ arm + site + score, ties_data, ties = 'breslow')",
  Surv(time, status) ~ arm + site + score, ties_data, ties = "breslow", payload = payload)
cox[[length(cox) + 1]] <- cox_entry("ties.efron.arm+score.strata_centre",
  "coxph(Surv(time, status) ~ arm + score + strata(centre), ties_data)",
  Surv(time, status) ~ arm + score + strata(centre), ties_data, payload = payload)
cox[[length(cox) + 1]] <- cox_entry("ties.breslow.arm+score.strata_centre",
  "coxph(Surv(time, status) ~ arm + score + strata(centre), ties_data, ties = 'breslow')",
  Surv(time, status) ~ arm + score + strata(centre), ties_data, ties = "breslow",
  payload = payload)
cox[[length(cox) + 1]] <- cox_entry("ties.efron.arm+site+score.iter2",
  "coxph(Surv(time, status) ~ arm + site + score, ties_data, iter.max = 2)",
  Surv(time, status) ~ arm + site + score, ties_data, iter.max = 2, payload = payload)
# A covariate that is the sum of two others: R reports NA for it.
ties_data$arm_plus_score <- ties_data$arm + ties_data$score
payload$arm_plus_score <- arr(ties_data$arm_plus_score)
cox[[length(cox) + 1]] <- cox_entry("ties.efron.collinear",
  "coxph(Surv(time, status) ~ arm + score + arm_plus_score, ties_data)",
  Surv(time, status) ~ arm + score + arm_plus_score, ties_data, payload = payload)

# Monotone likelihood: no event in the treated group, so its coefficient runs off to -Inf.
set.seed(7)
m <- 40
sep <- data.frame(time = sample(1:30, m, replace = TRUE), treated = rep(0:1, each = m / 2),
                  age = round(rnorm(m, 60, 8)))
sep$status <- ifelse(sep$treated == 1, 0L, rbinom(m, 1, 0.8))
cox[[length(cox) + 1]] <- cox_entry("separation.treated+age",
  "coxph(Surv(time, status) ~ treated + age, sep)",
  Surv(time, status) ~ treated + age, sep, payload = lapply(sep, arr))

# ---------------------------------------------------------------- exact and rank tests
fisher_entry <- function(id, tab, note = "") {
  ft <- fisher.test(tab)
  e <- list(id = id, note = note, table = tab, p = ft$p.value)
  if (all(dim(tab) == 2)) {
    e$estimate <- unname(ft$estimate)
    e$conf_int <- arr(as.vector(ft$conf.int))
  }
  e
}
fisher <- list(
  # Seed 001 (imatinib rechallenge), Table 1: rows = levels, columns = imatinib + BSC, BSC.
  fisher_entry("seed001.sex", rbind(c(8, 8), c(6, 4)), "male, female"),
  fisher_entry("seed001.ecog", rbind(c(8, 4), c(6, 5), c(0, 1), c(0, 2)), "PS 1, 2, 3, 4"),
  fisher_entry("seed001.ps_change", rbind(c(1, 0), c(1, 8), c(12, 4)), "better, worse, none"),
  fisher_entry("seed001.primary_site", rbind(c(5, 3), c(7, 7), c(1, 1), c(1, 1)),
               "stomach, small intestine, rectum, other"),
  fisher_entry("seed001.metastatic_sites", rbind(c(5, 8), c(9, 9), c(3, 2)),
               "liver, peritoneum, other (site mentions, not patients)"),
  fisher_entry("seed001.best_response", rbind(c(3, 4), c(3, 2), c(1, 2), c(3, 4), c(4, 0)),
               "CR, PR, SD, PD, NE"),
  fisher_entry("seed001.cessation", rbind(c(14, 11), c(0, 1)), "resistance, intolerance"),
  # Seed 000 (RIGHT trial), grade >= 3 adverse events: rows imatinib (n=41), placebo (n=40).
  fisher_entry("seed000.anaemia", rbind(c(12, 41 - 12), c(3, 40 - 3)), "event, no event"),
  fisher_entry("seed000.fatigue", rbind(c(4, 41 - 4), c(0, 40)), "event, no event"),
  fisher_entry("seed000.hyperbilirubinaemia", rbind(c(3, 41 - 3), c(1, 40 - 1)), "event, no event"),
  fisher_entry("rxc.3x4", rbind(c(3, 1, 4, 2), c(0, 5, 2, 3), c(4, 2, 1, 6))),
  fisher_entry("rxc.4x4", rbind(c(2, 0, 1, 3), c(1, 4, 0, 2), c(0, 1, 5, 1), c(3, 2, 1, 0))),
  fisher_entry("rxc.2x6", rbind(c(5, 2, 7, 1, 0, 4), c(1, 6, 2, 5, 3, 2))),
  fisher_entry("rxc.3x3.n60", rbind(c(10, 4, 6), c(3, 12, 5), c(7, 5, 8))),
  fisher_entry("2x2.zero_cell", rbind(c(0, 10), c(7, 5))),
  fisher_entry("2x2.balanced", rbind(c(10, 10), c(10, 10))),
  fisher_entry("2x2.large", rbind(c(120, 80), c(95, 130)))
)

chisq_entry <- function(id, tab, correct = TRUE) {
  res <- capture(chisq.test(tab, correct = correct))
  ct <- res$value
  list(id = id, table = tab, correct = correct, statistic = unname(ct$statistic),
       df = unname(ct$parameter), p = ct$p.value, expected = unname(ct$expected),
       warnings = arr(res$warnings))
}
chisq <- list(
  chisq_entry("2x2.yates", rbind(c(12, 29), c(3, 37))),
  chisq_entry("2x2.no_correction", rbind(c(12, 29), c(3, 37)), correct = FALSE),
  chisq_entry("3x3", rbind(c(10, 4, 6), c(3, 12, 5), c(7, 5, 8))),
  chisq_entry("2x4.small_expected", rbind(c(8, 6, 0, 0), c(4, 5, 1, 2)))
)

wilcox_entry <- function(id, x, y, exact = NULL, correct = TRUE) {
  res <- capture(wilcox.test(x, y, exact = exact, correct = correct))
  wt <- res$value
  list(id = id, x = arr(x), y = arr(y), exact = if (is.null(exact)) NA else exact,
       correct = correct, statistic = unname(wt$statistic), p = wt$p.value,
       warnings = arr(res$warnings))
}
set.seed(11)
big_x <- round(rnorm(60, 10, 3), 1)
big_y <- round(rnorm(55, 11, 3), 1)
wilcox <- list(
  wilcox_entry("exact.small", c(1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30),
               c(0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29)[-c(7, 9)]),
  wilcox_entry("exact.ages", c(48, 50, 52, 53, 54, 55, 57, 58, 61, 63, 66, 70, 74, 77),
               c(41, 45, 56, 59, 60, 62, 64, 65, 67, 69, 71, 73)),
  wilcox_entry("ties.normal", c(1, 2, 2, 3, 3, 3, 4, 5), c(3, 4, 4, 5, 5, 6, 7)),
  wilcox_entry("ties.no_correction", c(1, 2, 2, 3, 3, 3, 4, 5), c(3, 4, 4, 5, 5, 6, 7),
               correct = FALSE),
  wilcox_entry("large.normal", big_x, big_y),
  wilcox_entry("small.exact_false", c(0.8, 1.9, 3.1, 4.4, 5.0), c(2.2, 6.1, 7.3, 8.8),
               exact = FALSE)
)

kw <- kruskal.test(list(c(2.9, 3.0, 2.5, 2.6, 3.2), c(3.8, 2.7, 4.0, 2.4), c(2.8, 3.4, 3.7, 2.2, 2.0)))
kruskal <- list(list(id = "kruskal.3groups",
                     groups = list(arr(c(2.9, 3.0, 2.5, 2.6, 3.2)), arr(c(3.8, 2.7, 4.0, 2.4)),
                                   arr(c(2.8, 3.4, 3.7, 2.2, 2.0))),
                     statistic = unname(kw$statistic), df = unname(kw$parameter), p = kw$p.value))

out <- list(
  about = paste("Golden values for gistpath Cox, exact and rank tests; made by",
                "tests/reference/r_cox_exact.R"),
  r_version = R.version.string,
  survival_version = as.character(packageVersion("survival")),
  cox = cox, fisher = fisher, chisq = chisq, wilcox = wilcox, kruskal = kruskal
)
writeLines(to_json(out), "tests/reference/r_cox_exact.json")
cat("wrote tests/reference/r_cox_exact.json\n")

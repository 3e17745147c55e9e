// The univariate standard normal: density, CDF, log-CDF and quantile, accurate in the tails.
// Phi(x) = erfc(-x / sqrt 2) / 2; the quantile is Acklam's rational approximation refined by one
// Halley step on erfc (relative error near machine precision).
#pragma once

namespace quante::opt {

double normal_pdf(double x);       // phi(x) = exp(-x^2/2) / sqrt(2 pi)
double normal_cdf(double x);       // Phi(x)
double normal_log_cdf(double x);   // log Phi(x), finite far into the lower tail
double normal_quantile(double p);  // Phi^{-1}(p), p in (0, 1); +-infinity at 1 and 0

}  // namespace quante::opt

// The mlp objective's data set: a CSV file read once per worker process, split into training and
// validation rows by a seeded shuffle, features standardised with the training rows' mean and
// standard deviation. Matrices are column-major with one sample per column (features x n), the
// layout both the Eigen and the cuBLAS trainers use, so a batch is a set of contiguous columns.
//
// CSV: comma-separated, one sample a line, blank lines skipped. The first line is a header when
// one of its fields is not a number. The label column is named (with a header) or a 0-based
// index (negative counts from the end); by default the last column. Every other column is a
// numeric feature. Classification labels may be any strings: the distinct values, sorted
// (numerically when all are numbers), become classes 0..C-1. Regression labels are numbers.
#pragma once

#include <cstdint>
#include <istream>
#include <string>
#include <variant>
#include <vector>

#include "mlp_spec.hpp"

namespace quante::mlp {

struct MlpDataset {
  Task task = Task::Classification;
  int features = 0;
  int classes = 0;                       // 0 for regression
  int n_train = 0, n_val = 0;
  std::vector<float> x_train, x_val;     // features x n, column-major
  std::vector<float> y_train, y_val;     // class index (as a float) or target value
  std::vector<std::string> class_names;  // label text of each class
  std::string source;                    // for logs: path, rows, columns

  int outputs() const { return task == Task::Classification ? classes : 1; }
};

// Reads spec.data; errors name the file, line and column.
std::variant<MlpDataset, std::string> load_mlp_dataset(const MlpSpec& spec);
std::variant<MlpDataset, std::string> parse_mlp_csv(std::istream& in, const MlpSpec& spec,
                                                    const std::string& source);

}  // namespace quante::mlp

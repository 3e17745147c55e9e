// The mlp objective's CSV reader: header detection, label column, classes, split, standardisation,
// and errors that say where the file is wrong.
#include <catch2/catch.hpp>

#include <cmath>
#include <sstream>

#include "mlp_data.hpp"

using namespace quante::mlp;

namespace {

MlpSpec spec_with(const std::string& label = "", Task task = Task::Classification, double val = 0.25) {
  MlpSpec spec;
  spec.data = "test.csv";
  spec.label = label;
  spec.task = task;
  spec.val_fraction = val;
  return spec;
}

std::variant<MlpDataset, std::string> parse(const std::string& text, const MlpSpec& spec) {
  std::istringstream in(text);
  return parse_mlp_csv(in, spec, "test.csv");
}

}  // namespace

TEST_CASE("mlp data: header, named label column, string classes, split and standardisation", "[mlp]") {
  const std::string csv =
      "a,kind,b\n1,cat,10\n2,dog,20\n3,cat,30\n4,dog,40\n5,cat,50\n6,dog,60\n7,cat,70\n8,dog,80\n";
  auto parsed = parse(csv, spec_with("kind"));
  REQUIRE(std::holds_alternative<MlpDataset>(parsed));
  const auto& d = std::get<MlpDataset>(parsed);
  CHECK(d.features == 2);
  CHECK(d.classes == 2);
  CHECK(d.class_names == std::vector<std::string>{"cat", "dog"});
  CHECK(d.n_train == 6);
  CHECK(d.n_val == 2);
  CHECK(d.x_train.size() == 12);
  // Standardised on the training rows: mean 0, variance 1 per feature.
  for (int f = 0; f < 2; ++f) {
    double sum = 0, sum2 = 0;
    for (int i = 0; i < d.n_train; ++i) {
      const double v = d.x_train[static_cast<std::size_t>(i * 2 + f)];
      sum += v;
      sum2 += v * v;
    }
    CHECK(sum / d.n_train == Approx(0.0).margin(1e-6));
    CHECK(sum2 / d.n_train == Approx(1.0).epsilon(1e-5));
  }
  // a and b are proportional, so each row's two standardised features are equal; the label matches.
  for (int i = 0; i < d.n_train; ++i) {
    CHECK(d.x_train[static_cast<std::size_t>(2 * i)] == Approx(d.x_train[static_cast<std::size_t>(2 * i + 1)]));
  }
  // The same split seed gives the same split.
  auto again = parse(csv, spec_with("kind"));
  CHECK(std::get<MlpDataset>(again).y_train == d.y_train);
}

TEST_CASE("mlp data: no header, label by index, numeric classes in numeric order, regression", "[mlp]") {
  const std::string csv = "10,0.5,1\n2,0.1,2\n10,0.7,3\n2,0.2,4\n";
  auto cls = parse(csv, spec_with("0"));
  REQUIRE(std::holds_alternative<MlpDataset>(cls));
  CHECK(std::get<MlpDataset>(cls).class_names == std::vector<std::string>{"2", "10"});
  auto reg = parse(csv, spec_with("-1", Task::Regression));
  REQUIRE(std::holds_alternative<MlpDataset>(reg));
  const auto& r = std::get<MlpDataset>(reg);
  CHECK(r.classes == 0);
  CHECK(r.outputs() == 1);
  CHECK(r.n_train + r.n_val == 4);
}

TEST_CASE("mlp data: errors name the line and column", "[mlp]") {
  const auto error = [](const std::string& text, const MlpSpec& spec) {
    auto r = parse(text, spec);
    REQUIRE(std::holds_alternative<std::string>(r));
    return std::get<std::string>(r);
  };
  CHECK(error("", spec_with()).find("no rows") != std::string::npos);
  CHECK(error("a,b,y\n1,2,0\n1,x,1\n3,4,0\n", spec_with()).find("line 3") != std::string::npos);
  CHECK(error("a,b,y\n1,2,0\n1,2\n3,4,1\n", spec_with()).find("2 fields") != std::string::npos);
  CHECK(error("a,b,y\n1,2,0\n1,2,0\n", spec_with()).find("2 classes") != std::string::npos);
  CHECK(error("a,b,y\n1,2,0\n1,3,1\n", spec_with("z")).find("no column named") != std::string::npos);
  CHECK(error("a,b,y\n1,2,0\n1,3,one\n", spec_with("", Task::Regression)).find("not a finite number") !=
        std::string::npos);
  MlpSpec missing = spec_with();
  missing.data = "/nonexistent/quante.csv";
  auto r = load_mlp_dataset(missing);
  REQUIRE(std::holds_alternative<std::string>(r));
  CHECK(std::get<std::string>(r).find("cannot open") != std::string::npos);
}

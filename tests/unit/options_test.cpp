// The option table's parser: values, defaults, and malformed input.
#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include <unistd.h>

#include "options.h"

namespace shmcheck::core {
namespace {

struct Parsed {
  bool ok;
  Options options;
  std::string error;
};

Parsed parse(const char *text) {
  Parsed p;
  char error[256] = "";
  p.ok = parse_options(text, p.options, error, sizeof error);
  p.error = error;
  return p;
}

TEST(Options, DefaultsComeFromTheTable) {
  Parsed p = parse(nullptr);
  ASSERT_TRUE(p.ok);
  EXPECT_EQ(p.options.exitcode, 66);
  EXPECT_FALSE(p.options.halt_on_error);
  EXPECT_STREQ(p.options.log_path.c_str(), "");
  EXPECT_EQ(p.options.verbosity, 0);
  EXPECT_STREQ(p.options.session.c_str(), "default");
  EXPECT_FALSE(p.options.help);
  EXPECT_TRUE(p.options.atomic_plain_loads);
}

TEST(Options, ParsesEveryType) {
  Parsed p = parse("exitcode=7:halt_on_error=1:log_path=/tmp/x y:verbosity=2 session=t-1.a_b");
  // Whitespace separates options too, so "y" is a malformed option here.
  EXPECT_FALSE(p.ok);
  p = parse("exitcode=7:halt_on_error=true:log_path=/tmp/x:verbosity=0x2 session=t-1.a_b");
  ASSERT_TRUE(p.ok) << p.error;
  EXPECT_EQ(p.options.exitcode, 7);
  EXPECT_TRUE(p.options.halt_on_error);
  EXPECT_STREQ(p.options.log_path.c_str(), "/tmp/x");
  EXPECT_EQ(p.options.verbosity, 2);
  EXPECT_STREQ(p.options.session.c_str(), "t-1.a_b");
}

TEST(Options, EmptyAndRepeatedSeparatorsAreFine) {
  Parsed p = parse("::  exitcode=3::");
  ASSERT_TRUE(p.ok) << p.error;
  EXPECT_EQ(p.options.exitcode, 3);
}

TEST(Options, MalformedOptionGivesOneLineErrorAndDefaults) {
  struct Case {
    const char *text;
    const char *fragment;
  } cases[] = {
      {"exitcode", "expected name=value"},
      {"=3", "expected name=value"},
      {"nosuch=1", "unknown option"},
      {"exitcode=abc", "expected an integer"},
      {"exitcode=99999999999", "expected an integer"},
      {"halt_on_error=maybe", "expected 0 or 1"},
      {"exitcode=256", "expected 0..255"},  // would turn a race into status 0
      {"exitcode=-1", "expected 0..255"},
      {"trap_budget=101", "expected 0..100"},
      {"max_state_mb=-5", "expected 0.."},
      {"session=a/b", "session"},
      {"session=", "session"},
  };
  for (const Case &c : cases) {
    Parsed p = parse((std::string("verbosity=3:") + c.text).c_str());
    EXPECT_FALSE(p.ok) << c.text;
    EXPECT_NE(p.error.find(c.fragment), std::string::npos) << c.text << ": " << p.error;
    EXPECT_EQ(p.error.find('\n'), std::string::npos);
    EXPECT_EQ(p.error.rfind("shmcheck: bad option '", 0), 0u) << p.error;
    EXPECT_EQ(p.options.verbosity, 0) << "defaults, not a half-parsed mix";
  }
}

TEST(Options, OverlongStringIsRejected) {
  std::string text = "log_path=" + std::string(400, 'x');
  Parsed p = parse(text.c_str());
  EXPECT_FALSE(p.ok);
  EXPECT_NE(p.error.find("too long"), std::string::npos);
}

TEST(Options, HelpListsEveryOptionWithDefault) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  print_options_help(fds[1]);
  close(fds[1]);
  std::string text;
  char buffer[4096];
  ssize_t n;
  while ((n = read(fds[0], buffer, sizeof buffer)) > 0) text.append(buffer, n);
  close(fds[0]);
#define SHMCHECK_OPTION(type, name, default_value, help) \
  EXPECT_NE(text.find("  " #name "="), std::string::npos) << #name;
#include "options.inc"
#undef SHMCHECK_OPTION
  EXPECT_NE(text.find("exitcode=66"), std::string::npos);
  EXPECT_NE(text.find("session=\"default\""), std::string::npos);
}

}  // namespace
}  // namespace shmcheck::core

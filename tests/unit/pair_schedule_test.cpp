#include "patterns/pair_schedule.hpp"

#include <gtest/gtest.h>

#include <set>

namespace meshbench {
namespace {

TEST(PairRounds, CoversEveryPairOnceWithDisjointRounds) {
  for (int nodes = 2; nodes <= 9; ++nodes) {
    const auto rounds = pair_rounds(nodes);
    EXPECT_EQ(static_cast<int>(rounds.size()), nodes % 2 == 0 ? nodes - 1 : nodes) << nodes;
    std::set<std::pair<int, int>> seen;
    for (const auto& round : rounds) {
      std::set<int> busy;
      for (const auto& [a, b] : round) {
        EXPECT_LT(a, b);
        EXPECT_GE(a, 0);
        EXPECT_LT(b, nodes);
        EXPECT_TRUE(busy.insert(a).second) << "node " << a << " twice in a round";
        EXPECT_TRUE(busy.insert(b).second) << "node " << b << " twice in a round";
        EXPECT_TRUE(seen.insert({a, b}).second) << "pair measured twice";
      }
    }
    EXPECT_EQ(static_cast<int>(seen.size()), nodes * (nodes - 1) / 2) << nodes;
  }
}

TEST(PairRounds, ThreeNodesByHand) {
  // Circle method on 0,1,2 + phantom 3: {0-3 rest, 1-2}, {0-2, 3-1 rest}, {0-1, 2-3 rest}.
  const auto rounds = pair_rounds(3);
  ASSERT_EQ(rounds.size(), 3u);
  EXPECT_EQ(rounds[0], (std::vector<std::pair<int, int>>{{1, 2}}));
  EXPECT_EQ(rounds[1], (std::vector<std::pair<int, int>>{{0, 2}}));
  EXPECT_EQ(rounds[2], (std::vector<std::pair<int, int>>{{0, 1}}));
  EXPECT_TRUE(pair_rounds(1).empty());
}

}  // namespace
}  // namespace meshbench

Feature: Running promotions
  As the agency's shop owner
  I want to start and stop discount campaigns
  So that customers can use a code only while the promotion runs

  Background:
    Given I am signed in as the shop owner

  Scenario: A discount code customers can use
    When I start the campaign "winter-sale" giving "15" percent off the whole catalog from "2020-01-01T00:00:00Z"
    Then customers can look up the code "WINTER-SALE" and see "15.00" percent off
    And "WINTER-SALE" is listed among current promotions

  Scenario: A campaign that has not started yet stays hidden
    When I start the campaign "NEXT-YEAR" giving "10" percent off the whole catalog from "2099-01-01T00:00:00Z"
    Then customers cannot look up the code "NEXT-YEAR"
    And "NEXT-YEAR" is not listed among current promotions
    But I can see "NEXT-YEAR" among all campaigns

  Scenario: Switching a campaign off
    Given the campaign "SPRING" giving "20" percent off is running
    When I switch off the campaign "SPRING"
    Then customers cannot look up the code "SPRING"
    But I can see "SPRING" among all campaigns

  Scenario: A discount must be a sensible percentage
    When I start the campaign "TOO-MUCH" giving "150" percent off the whole catalog from "2020-01-01T00:00:00Z"
    Then I am told the discount is invalid
